// Builds the dashboard's geography from public-domain Natural Earth data (world-atlas, 1:110m) and the ISO 3166 tables
// of i18n-iso-countries: countries.json holds every ISO country's code, English name and (where Natural Earth draws it
// at this scale) its outline as an SVG path in an Equal Earth projection of 960 x 470. Nothing is fetched at run time.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { feature } from "topojson-client";
import { geoEqualEarth, geoPath } from "d3-geo";
import countries from "i18n-iso-countries";

const require = createRequire(import.meta.url);
countries.registerLocale(require("i18n-iso-countries/langs/en.json"));
const world = JSON.parse(readFileSync(new URL("./node_modules/world-atlas/countries-110m.json", import.meta.url)));
const shapes = feature(world, world.objects.countries).features.filter((f) => f.properties.name !== "Antarctica");
const projection = geoEqualEarth().fitExtent([[4, 4], [956, 466]], { type: "FeatureCollection", features: shapes });
const path = geoPath(projection).digits(1);

const outlines = new Map();
for (const shape of shapes) {
  const code = shape.id && countries.numericToAlpha2(shape.id);
  if (code) outlines.set(code, path(shape));
}

// The name people use where the table's first is a formal one (or, for the two Congos, the same word).
const common = {
  AE: "United Arab Emirates", AX: "Åland Islands", CD: "DR Congo", CG: "Congo", CI: "Côte d'Ivoire", CN: "China", CZ: "Czechia",
  FK: "Falkland Islands", FM: "Micronesia", GB: "United Kingdom", GM: "Gambia", IR: "Iran", KR: "South Korea", MD: "Moldova",
  MK: "North Macedonia", NL: "Netherlands", PN: "Pitcairn Islands", PS: "Palestine", RU: "Russia", TW: "Taiwan", TZ: "Tanzania",
  US: "United States", VA: "Vatican City", VG: "British Virgin Islands", VI: "U.S. Virgin Islands",
};
const list = Object.entries(countries.getNames("en", { select: "official" }))
  .map(([code, name]) => ({ code, name: common[code] ?? name, path: outlines.get(code) ?? null }))
  .sort((a, b) => a.code.localeCompare(b.code));
writeFileSync(new URL("./countries.json", import.meta.url), JSON.stringify(list) + "\n");
console.log(`${list.length} countries, ${outlines.size} with an outline`);
