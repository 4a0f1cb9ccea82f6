// The package ships no types; it exports one function from text to prom2json-shaped families.
declare module "parse-prometheus-text-format" {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
