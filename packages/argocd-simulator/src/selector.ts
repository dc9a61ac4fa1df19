/** Kubernetes label selectors (`k=v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`; comma means AND). */

type Requirement =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** A parsed selector; `matches` tests a label map. */
export interface LabelSelector {
  matches(labels: Record<string, string> | undefined): boolean;
}

const KEY = String.raw`[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += ch;
  }
  parts.push(current);
  return parts;
}

function parseRequirement(raw: string): Requirement {
  const text = raw.trim();
  let m = new RegExp(`^!\\s*(${KEY})$`).exec(text);
  if (m) return { op: 'notexists', key: m[1] as string };
  m = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^)]*)\\)$`).exec(text);
  if (m) {
    const values = (m[4] as string).split(',').map((v) => v.trim());
    for (const v of values) {
      if (!new RegExp(`^${VALUE}$`).test(v)) throw new Error(`invalid label value: "${v}"`);
    }
    return { op: m[3] === 'in' ? 'in' : 'notin', key: m[1] as string, values };
  }
  m = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(.*)$`).exec(text);
  if (m) {
    const value = (m[4] as string).trim();
    if (!new RegExp(`^${VALUE}$`).test(value)) {
      throw new Error(`values[0][${m[1]}]: Invalid value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
    }
    return { op: m[3] === '!=' ? 'neq' : 'eq', key: m[1] as string, value };
  }
  m = new RegExp(`^(${KEY})$`).exec(text);
  if (m) return { op: 'exists', key: m[1] as string };
  throw new Error(`unable to parse requirement: found '${text}', expected: identifier`);
}

/** Parses a selector; throws an Error with a Kubernetes-like message when malformed. */
export function parseSelector(text: string | undefined): LabelSelector {
  const reqs: Requirement[] = [];
  if (text && text.trim() !== '') {
    for (const part of splitTopLevel(text)) {
      if (part.trim() === '') throw new Error(`found '', expected: !, identifier, or 'end of string'`);
      reqs.push(parseRequirement(part));
    }
  }
  return {
    matches(labels) {
      const l = labels ?? {};
      return reqs.every((r) => {
        const has = Object.hasOwn(l, r.key);
        const v = l[r.key];
        switch (r.op) {
          case 'eq':
            return has && v === r.value;
          case 'neq':
            return !has || v !== r.value;
          case 'in':
            return has && r.values.includes(v as string);
          case 'notin':
            return !has || !r.values.includes(v as string);
          case 'exists':
            return has;
          case 'notexists':
            return !has;
        }
        return false;
      });
    },
  };
}
