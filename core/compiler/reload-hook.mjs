// Module resolution hook (runs in Node's loader thread). A pipeline module
// is imported as `file.ts?backflow-gen=<hash>`; this hook gives the files it
// imports from the same project the same query, so an edited helper is
// re-evaluated along with the module that imports it. backflow's own code
// and packages keep one instance per process: their identity checks
// (connections made by `postgres(...)`) must hold across generations.
const PARAM = "backflow-gen";
const own = new URL("../../", import.meta.url).href;
const shared = [`${own}core/`, `${own}cli/`, `${own}node_modules/`];

function generationOf(url) {
  if (!url || !url.startsWith("file:")) return null;
  return new URL(url).searchParams.get(PARAM);
}

export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  const generation = generationOf(context.parentURL);
  if (generation === null || !result.url.startsWith("file:")) return result;

  const target = new URL(result.url);
  const path = target.href.split("?")[0];
  if (path.includes("/node_modules/")) return result;
  if (shared.some((prefix) => path.startsWith(prefix))) return result;
  if (target.searchParams.get(PARAM) === generation) return result;

  target.searchParams.set(PARAM, generation);
  return { ...result, url: target.href };
}
