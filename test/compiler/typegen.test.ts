/**
 * `backflow typegen` against Pagila in a real PostgreSQL, as real
 * processes: the generated row types compile, a second run changes nothing,
 * and after a column is renamed in the warehouse, typegen plus check name
 * the mapping that still uses the old name.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";

import pg from "pg";

import type { Diagnostic } from "../../core/compiler/diagnostic.ts";
import { runCli } from "../helpers/cli.ts";
import type { TestDatabase } from "../helpers/database.ts";
import { loadPagila, skipWithoutPagila } from "../helpers/pagila.ts";
import { createTempProject, type TempProject } from "./project.ts";

const MODULE = `import { dag, env, mixpanel, postgres } from "backflow";
import type { PagilaRows } from "./pagila.rows.ts";

const warehouse = postgres("pagila", { url: env("PAGILA_URL") });
const product = mixpanel("product", { token: env("MIXPANEL_TOKEN") });

export default dag("pagila", {}, (d) => {
  const customers = d.userProfiles("customers", {
    from: warehouse.query<PagilaRows["customers"]>\`select * from customer\`,
    to: product,
    userId: "customer_id",
    properties: {
      $email: "email",
      $name: (r) => \`\${r.first_name} \${r.last_name}\`,
      active: (r) => r.activebool,
    },
  });

  d.events("rentals", {
    from: warehouse.query<PagilaRows["rentals"]>\`
      select r.rental_id, r.customer_id, r.rental_date, f.title, f.rating,
             f.special_features, p.amount
      from rental r
      join inventory i on i.inventory_id = r.inventory_id
      join film f on f.film_id = i.film_id
      left join payment p on p.rental_id = r.rental_id
      where r.rental_date >= \${d.interval.start}\`,
    to: product,
    event: "Rental",
    insertId: "rental_id",
    userId: "customer_id",
    time: "rental_date",
    properties: { title: "title", rating: "rating", amount: "amount" },
  }).after(customers);
});
`;

describe("backflow typegen against Pagila", { skip: skipWithoutPagila }, () => {
  let pagila: TestDatabase;
  let project: TempProject;
  const cli = (args: string[]) =>
    runCli([...args, "--pipelines", project.pipelines], {
      cwd: project.root,
      env: { PAGILA_URL: pagila.url, MIXPANEL_TOKEN: "unused" },
    });

  before(async () => {
    pagila = await loadPagila();
    project = await createTempProject({ "pagila.ts": MODULE });
  });
  after(async () => {
    await project?.cleanup();
    await pagila?.drop();
  });

  test("writes row types that make the module compile", async () => {
    const typegen = await cli(["typegen"]);
    assert.equal(typegen.code, 0, typegen.stdout + typegen.stderr);
    assert.match(typegen.stdout, /wrote\s+pipelines\/pagila\.rows\.ts/);

    const types = await project.read("pagila.rows.ts");
    assert.match(types, /export interface PagilaRows \{/);
    assert.match(types, /customer_id: number;/);
    assert.match(types, /email: string \| null;/);
    // The rentals query has an outer join: no column is promised non-null.
    assert.match(types, /rental_date: Date \| string \| null;/);
    assert.match(
      types,
      /rating: "G" \| "PG" \| "PG-13" \| "R" \| "NC-17" \| null;/,
    );
    assert.match(types, /amount: number \| string \| null;/);

    const check = await cli(["check"]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  test("a second run changes nothing", async () => {
    const before = await project.read("pagila.rows.ts");
    const typegen = await cli(["typegen"]);
    assert.equal(typegen.code, 0, typegen.stderr);
    assert.match(typegen.stdout, /unchanged\s+pipelines\/pagila\.rows\.ts/);
    assert.equal(await project.read("pagila.rows.ts"), before);
  });

  test("after a column is renamed, check names the mapping that uses it", async () => {
    const client = new pg.Client({ connectionString: pagila.url });
    await client.connect();
    try {
      await client.query(
        "alter table customer rename column email to email_address",
      );
    } finally {
      await client.end();
    }

    const typegen = await cli(["typegen"]);
    assert.equal(typegen.code, 0, typegen.stderr);
    assert.match(await project.read("pagila.rows.ts"), /email_address:/);

    const check = await cli(["check", "--json"]);
    assert.equal(check.code, 1, check.stderr);
    const out = JSON.parse(check.stdout) as { diagnostics: Diagnostic[] };
    assert.equal(out.diagnostics.length, 1);
    const [d] = out.diagnostics;
    assert.equal(d!.file, "pagila.ts");
    assert.equal(d!.line, 13);
    assert.equal(d!.sourceLine, '      $email: "email",');
    assert.match(d!.message, /"email"/);
  });
});
