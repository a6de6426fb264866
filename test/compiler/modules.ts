/**
 * Pipeline module texts for compiler tests.
 */

/** A DAG of `count` code tasks in a chain, with an optional schedule. */
export function chainModule(
  dagId: string,
  tasks: string[],
  schedule?: string,
): string {
  const options = schedule ? `{ schedule: "${schedule}" }` : "{}";
  const lines = tasks.map((task, i) =>
    i === 0
      ? `  let last = d.task("${task}", () => {});`
      : `  last = d.task("${task}", () => {}).after(last);`,
  );
  return [
    `import { dag } from "backflow";`,
    ``,
    `export default dag("${dagId}", ${options}, (d) => {`,
    ...lines,
    `  void last;`,
    `});`,
    ``,
  ].join("\n");
}

/** A module whose only mistake is a type error on line 4. */
export function typeErrorModule(dagId: string): string {
  return [
    `import { dag } from "backflow";`,
    ``,
    `export default dag("${dagId}", {}, (d) => {`,
    `  const count: number = "three";`,
    `  d.task("broken", () => void count);`,
    `});`,
    ``,
  ].join("\n");
}
