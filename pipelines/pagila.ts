/**
 * Pagila, the DVD-rental sample database, synced to Mixpanel.
 *
 * - Group profiles `stores` (group key `store_id`): city, country, manager.
 * - User profiles `customers`: e-mail, name, store, active flag, created date.
 * - Events `Rental` and `Payment`, after the profiles, so that every event
 *   lands on a user and a store Mixpanel already knows.
 *
 * A rental's store is its inventory item's store; a payment's store is the
 * store of the rental it pays for. Ids go to Mixpanel as strings.
 *
 * Both event tasks read incrementally. Rentals follow `last_update`, which
 * a trigger bumps on every change and which new rows get from `now()`: it
 * says when a row reached the warehouse, whatever its rental date (a rental
 * keyed in a day late is still found). Payments have no such column and
 * follow `payment_date`. `now()` is the start of the writing transaction,
 * so a row may commit with a cursor older than rows already read: the
 * one-hour look-back reads the last hour again and sends only rows not yet
 * acknowledged. Profiles are compared by hash, so an unchanged customer or
 * store is never sent twice.
 *
 * Run it: `PAGILA_URL=postgres://… MIXPANEL_TOKEN=… backflow run pagila`.
 */
import { dag, env, mixpanel, postgres } from "backflow";

const warehouse = postgres("pagila", { url: env("PAGILA_URL") });

const HOUR = 60 * 60_000;

const product = mixpanel("product", {
  token: env("MIXPANEL_TOKEN"),
  projectId: env.optional("MIXPANEL_PROJECT_ID"),
  username: env.optional("MIXPANEL_SERVICE_ACCOUNT_USERNAME"),
  secret: env.optional("MIXPANEL_SERVICE_ACCOUNT_SECRET"),
  apiSecret: env.optional("MIXPANEL_API_SECRET"),
  region: env.optional("MIXPANEL_REGION"),
  apiUrl: env.optional("MIXPANEL_API_URL"),
});

interface StoreRow {
  store_id: string;
  city: string;
  country: string;
  manager: string | null;
}

interface CustomerRow {
  customer_id: string;
  email: string | null;
  first_name: string;
  last_name: string;
  store_id: string;
  active: boolean;
  create_date: string;
}

interface RentalRow {
  rental_id: string;
  customer_id: string;
  rental_date: Date;
  last_update: Date;
  title: string;
  categories: string[];
  rental_rate: number;
  store_id: string;
}

interface PaymentRow {
  payment_id: string;
  customer_id: string;
  payment_date: Date;
  amount: number;
  store_id: string;
}

export default dag("pagila", { description: "Pagila DVD rentals" }, (d) => {
  const stores = d.groupProfiles("stores", {
    from: warehouse.query<StoreRow>`
      select s.store_id::text as store_id, ci.city, co.country,
             m.first_name || ' ' || m.last_name as manager
      from store s
      join address a on a.address_id = s.address_id
      join city ci on ci.city_id = a.city_id
      join country co on co.country_id = ci.country_id
      left join staff m on m.staff_id = s.manager_staff_id`,
    to: product,
    groupKey: "store_id",
    groupId: "store_id",
    properties: { city: "city", country: "country", manager: "manager" },
  });

  const customers = d.userProfiles("customers", {
    from: warehouse.query<CustomerRow>`
      select customer_id::text as customer_id, email, first_name, last_name,
             store_id::text as store_id, active = 1 as active, create_date
      from customer`,
    to: product,
    userId: "customer_id",
    properties: {
      $email: "email",
      $name: (r) => `${r.first_name} ${r.last_name}`,
      $first_name: "first_name",
      $last_name: "last_name",
      store_id: "store_id",
      active: "active",
      $created: "create_date",
    },
  });

  d.events("rentals", {
    from: warehouse.query<RentalRow>`
      select r.rental_id::text as rental_id, r.customer_id::text as customer_id,
             r.rental_date, r.last_update, f.title, f.rental_rate,
             i.store_id::text as store_id,
             array(select c.name from film_category fc
                   join category c on c.category_id = fc.category_id
                   where fc.film_id = f.film_id
                   order by c.name) as categories
      from rental r
      join inventory i on i.inventory_id = r.inventory_id
      join film f on f.film_id = i.film_id`,
    to: product,
    incremental: { cursor: "last_update", lookbackMs: HOUR },
    event: "Rental",
    insertId: "rental_id",
    userId: "customer_id",
    time: "rental_date",
    properties: {
      film_title: "title",
      categories: "categories",
      rental_rate: "rental_rate",
      store_id: "store_id",
    },
  }).after(customers, stores);

  d.events("payments", {
    from: warehouse.query<PaymentRow>`
      select p.payment_id::text as payment_id,
             p.customer_id::text as customer_id, p.payment_date, p.amount,
             i.store_id::text as store_id
      from payment p
      join rental r on r.rental_id = p.rental_id
      join inventory i on i.inventory_id = r.inventory_id`,
    to: product,
    incremental: { cursor: "payment_date", lookbackMs: HOUR },
    event: "Payment",
    insertId: "payment_id",
    userId: "customer_id",
    time: "payment_date",
    properties: { amount: "amount", store_id: "store_id" },
  }).after(customers, stores);
});
