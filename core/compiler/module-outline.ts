/**
 * A pipeline module's outline, read from its syntax tree without type
 * information: where each `dag("id", …)` call, task factory call
 * (`d.events("id", …)` …), `.after(...)` link and connection declaration is
 * written. Used to point diagnostics at the line to change.
 */
import type { ts as TS } from "ts-morph";

const FACTORIES = new Set([
  "events",
  "userProfiles",
  "groupProfiles",
  "sql",
  "task",
]);

export interface DagCall {
  readonly dagId: string;
  readonly idNode: TS.Node;
  /** The properties of the options object literal, by name. */
  readonly options: ReadonlyMap<string, TS.Node>;
  readonly node: TS.CallExpression;
}

export interface TaskCall {
  readonly dagId: string | undefined;
  readonly taskId: string;
  /** The task id's string literal. */
  readonly idNode: TS.Node;
}

export interface AfterCall {
  readonly dagId: string | undefined;
  /** The task whose `.after` this is. */
  readonly taskId: string;
  /** The tasks passed to it, where they could be resolved. */
  readonly deps: readonly string[];
  /** The `after` name, where a caret points. */
  readonly nameNode: TS.Node;
}

export interface ModuleOutline {
  readonly text: string;
  readonly source: TS.SourceFile;
  readonly dags: readonly DagCall[];
  dagCall(dagId: string): DagCall | undefined;
  /** Factory calls of a task, in source order. */
  taskCalls(dagId: string, taskId: string): TaskCall[];
  /** `.after(...)` calls of a DAG (of the whole file if it is not found). */
  afterCalls(dagId: string | undefined): AfterCall[];
  /** The first argument of `postgres("name", …)` or `mixpanel("name", …)`. */
  connectionCall(kind: string, name: string): TS.Node | undefined;
}

function calleeName(ts: typeof TS, call: TS.CallExpression) {
  const callee = call.expression;
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee)) return callee.name.text;
  return undefined;
}

function literal(ts: typeof TS, node: TS.Node | undefined) {
  if (!node) return undefined;
  if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
    return node.text;
  }
  return undefined;
}

function build(ts: typeof TS, source: TS.SourceFile, text: string) {
  const variables = new Map<string, TS.Expression>();
  const dags: DagCall[] = [];
  const tasks: TaskCall[] = [];
  const links: { dagId: string | undefined; call: TS.CallExpression }[] = [];
  const connections: { kind: string; name: string; node: TS.Node }[] = [];

  const visit = (node: TS.Node, dagId: string | undefined): void => {
    if (ts.isVariableDeclaration(node) && node.initializer) {
      if (ts.isIdentifier(node.name)) {
        variables.set(node.name.text, node.initializer);
      }
    }
    let inner = dagId;
    if (ts.isCallExpression(node)) {
      const name = calleeName(ts, node);
      const first = node.arguments[0];
      const id = literal(ts, first);
      if (name === "dag" && id !== undefined) {
        const options = new Map<string, TS.Node>();
        const object = node.arguments[1];
        if (object && ts.isObjectLiteralExpression(object)) {
          for (const property of object.properties) {
            const key = property.name && literal(ts, property.name);
            const named =
              property.name && ts.isIdentifier(property.name)
                ? property.name.text
                : key;
            if (named) options.set(named, property);
          }
        }
        dags.push({ dagId: id, idNode: first!, options, node });
        inner = id;
      } else if (name && FACTORIES.has(name) && id !== undefined) {
        if (ts.isPropertyAccessExpression(node.expression)) {
          tasks.push({ dagId, taskId: id, idNode: first! });
        }
      } else if (name === "after") {
        links.push({ dagId, call: node });
      } else if ((name === "postgres" || name === "mixpanel") && id) {
        connections.push({ kind: name, name: id, node: first! });
      }
    }
    ts.forEachChild(node, (child) => visit(child, inner));
  };
  visit(source, undefined);

  const taskIdOf = (expr: TS.Expression, depth = 0): string | undefined => {
    if (depth > 20) return undefined;
    let e = expr;
    while (
      ts.isParenthesizedExpression(e) ||
      ts.isAsExpression(e) ||
      ts.isNonNullExpression(e)
    ) {
      e = e.expression;
    }
    if (ts.isIdentifier(e)) {
      const init = variables.get(e.text);
      return init ? taskIdOf(init, depth + 1) : undefined;
    }
    if (
      !ts.isCallExpression(e) ||
      !ts.isPropertyAccessExpression(e.expression)
    ) {
      return undefined;
    }
    const name = e.expression.name.text;
    if (name === "after") return taskIdOf(e.expression.expression, depth + 1);
    return FACTORIES.has(name) ? literal(ts, e.arguments[0]) : undefined;
  };

  const afters: AfterCall[] = [];
  for (const { dagId, call } of links) {
    const access = call.expression as TS.PropertyAccessExpression;
    const taskId = taskIdOf(access.expression);
    if (taskId === undefined) continue;
    const deps = call.arguments
      .map((arg) => taskIdOf(arg))
      .filter((d): d is string => d !== undefined);
    afters.push({ dagId, taskId, deps, nameNode: access.name });
  }
  return { dags, tasks, afters, connections, text };
}

/** Parses a module; TypeScript is loaded on first use only. */
export async function scanModule(
  path: string,
  text: string,
): Promise<ModuleOutline> {
  const { ts } = await import("ts-morph");
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found = build(ts, source, text);
  const known = (dagId: string | undefined) =>
    dagId !== undefined && found.dags.some((d) => d.dagId === dagId);
  const inDag = <T extends { dagId: string | undefined }>(
    items: T[],
    dagId: string | undefined,
  ) => (known(dagId) ? items.filter((i) => i.dagId === dagId) : items);

  return {
    text,
    source,
    dags: found.dags,
    dagCall: (dagId) => found.dags.find((d) => d.dagId === dagId),
    taskCalls: (dagId, taskId) =>
      inDag(found.tasks, dagId).filter((t) => t.taskId === taskId),
    afterCalls: (dagId) => inDag(found.afters, dagId),
    connectionCall: (kind, name) =>
      found.connections.find((c) => c.kind === kind && c.name === name)?.node,
  };
}
