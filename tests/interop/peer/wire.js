// Documents as Fedify puts them on the wire: compact JSON-LD with the public audience
// written out in full (Fedify's sender normalises "as:Public" before signing).

const PUBLIC = "https://www.w3.org/ns/activitystreams#Public";
const AUDIENCE = new Set(["to", "cc", "bto", "bcc", "audience"]);

export function asSent(jsonLd) {
  if (Array.isArray(jsonLd)) return jsonLd.map(asSent);
  if (jsonLd === null || typeof jsonLd !== "object") return jsonLd;
  const out = {};
  for (const [key, value] of Object.entries(jsonLd)) {
    if (key === "@context") out[key] = value;
    else if (AUDIENCE.has(key)) {
      out[key] = Array.isArray(value) ? value.map((x) => (x === "as:Public" ? PUBLIC : x)) : value === "as:Public" ? PUBLIC : value;
    } else out[key] = asSent(value);
  }
  return out;
}
