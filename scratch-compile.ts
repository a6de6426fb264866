import { compilePipelines } from "./core/compiler/compile.ts";
import { formatDiagnostic } from "./core/compiler/diagnostic.ts";
const dir = process.argv[2] ?? "pipelines";
for (let i = 0; i < 2; i++) {
  const r = await compilePipelines(dir, { cacheDir: "/tmp/bf-cache" });
  console.log(r.stats, r.dags.map((d) => d.id), r.errors.map(e => e.file));
  for (const d of r.diagnostics) console.log(formatDiagnostic(d));
}
