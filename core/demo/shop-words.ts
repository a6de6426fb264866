/**
 * Words the demo shop's names and pages are made of: accents, other
 * scripts, apostrophes and emoji, as in a real customer table.
 */

export const FIRST_NAMES = [
  "Zoë",
  "José",
  "Łukasz",
  "Søren",
  "Mei",
  "美咲",
  "Андрей",
  "Ólafur",
  "Siobhán",
  "Björn",
  "François",
  "Ngozi",
  "Dương",
  "Àlex",
  "Jürgen",
  "Chloé",
  "Aarav",
  "Fatima",
  "Yusuf",
  "Élodie",
  "D'Arcy",
  "Renée",
  "Mateus",
  "Ингрид",
  "Sam",
  "Emma",
];

export const LAST_NAMES = [
  "Müller",
  "Nguyễn",
  "O'Brien",
  "García-López",
  "Kowalczyk",
  "Søndergaard",
  "王",
  "Иванова",
  "Ødegård",
  "da Silva",
  "van der Berg",
  "Smith",
  "Ferreira",
  "Çelik",
  "Schröder",
  "田中",
];

export const EMAIL_DOMAINS = [
  "example.com",
  "exämple.de",
  "例え.jp",
  "Mail.Example.ORG",
];

export const COUNTRIES = ["DE", "FR", "US", "JP", "BR", "PL", "SE", "NO", "VN"];

export const COMPANY_PREFIXES = [
  "Müller",
  "Øresund",
  "Łódź",
  "Café",
  "Καφές",
  "東京",
  "Björk",
  "Ñandú",
  "Żółw",
  "São Paulo",
  "Crème",
  "Straße",
  "Dvořák",
  "İstanbul",
  "Ångström",
  "Phở",
  "서울",
];

export const COMPANY_WORDS = [
  "Logistics",
  "Labs",
  "Trading",
  "Analytics",
  "Bakery",
  "Robotics",
  "Textiles",
  "Foods",
  "Systems",
  "Design",
];

export const COMPANY_SUFFIXES = [
  "GmbH",
  "AB",
  "K.K.",
  "Ltd",
  "S.A.",
  "Sp. z o.o.",
  "SAS",
  "Inc.",
  "☕",
  "🚀",
];

export const INDUSTRIES = [
  "retail",
  "manufacturing",
  "software",
  "hospitality",
  "logistics",
];

export const TAGS = ["vip", "beta", "churn-risk", "partner", "édition-limitée"];

export const PRODUCTS = [
  "Søren chair",
  "Café table",
  "Lampe «Nuit»",
  "Tatami 畳",
  "Kaffeebecher ☕",
  "Desk, oak",
];

export const PATHS = [
  "/",
  "/pricing",
  "/products/søren-chair",
  "/products/café-table",
  "/cart",
  "/checkout",
  "/blog/ünïcödé",
  "/search?q=%E2%9C%93",
];

export const REFERRERS = [
  "https://www.google.com/",
  "https://duckduckgo.com/",
  "https://news.ycombinator.com/",
  "android-app://com.slack",
];

export const BROWSERS = ["Firefox", "Chrome", "Safari", "Edge", "Samsung"];
