import { rowTypesText } from "./core/compiler/typegen/write-row-types.ts";
const col = (name: string, tsType: string, notNull: boolean, extra = {}) => ({ name, typeOid: 1, typeName: "text", isArray: false, notNull, tsType, ...extra });
const t = await rowTypesText([{ dagId: "pagila", tasks: [
  { taskId: "stores", kind: "groupProfiles", connection: "pagila", columns: [col("store_id", "string", true), col("my col", "Date | string", false), col("rating", "string", false, { enumValues: ["G", "PG-13"] })] },
  { taskId: "my-task", kind: "events", connection: "pagila", columns: [col("id", "number", true)] },
]}]);
process.stdout.write(t);
import { writeFileSync } from "node:fs"; writeFileSync("/tmp/gen.rows.ts", t);
