// Reading matrices the way people paste them, and printing what the service answers.

/** Parses a tensor typed as JSON ([[1, 2], [3, 4]]) or as rows of numbers, one row per line (spaces, commas or tabs). */
export function parseTensor(text) {
  const trimmed = text.trim();
  if (trimmed === '') {
    return { error: 'required' };
  }
  if (trimmed.startsWith('[')) {
    try {
      return { value: JSON.parse(trimmed) };
    } catch (e) {
      return { error: `not valid JSON (${e.message})` };
    }
  }
  const rows = [];
  const lines = trimmed.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const row = [];
    for (const token of lines[i].trim().split(/[\s,;]+/)) {
      const number = Number(token);
      if (token === '' || !Number.isFinite(number)) {
        return { error: `line ${i + 1}: “${token}” is not a number` };
      }
      row.push(number);
    }
    rows.push(row);
  }
  return { value: rows };
}

/** Parses a list of integers such as "2, 1" or "[2, 1]". */
export function parseList(text) {
  const trimmed = text.trim();
  if (trimmed === '') return { value: undefined };
  if (trimmed.startsWith('[')) {
    try {
      return { value: JSON.parse(trimmed) };
    } catch (e) {
      return { error: `not valid JSON (${e.message})` };
    }
  }
  const values = trimmed.split(/[\s,;]+/).map(Number);
  return values.every(Number.isFinite) ? { value: values } : { error: 'expected numbers separated by commas' };
}

/** The shape of a nested array along its first elements, e.g. [2, 3] for [[1,2,3],[4,5,6]]. */
export function shapeOf(tensor) {
  const shape = [];
  let t = tensor;
  while (Array.isArray(t)) {
    shape.push(t.length);
    t = t[0];
  }
  return shape;
}

/** JSON with one innermost row per line: readable in a textarea, still valid JSON. */
export function formatTensor(tensor, indent = '') {
  if (!Array.isArray(tensor)) return JSON.stringify(tensor);
  if (!tensor.some(Array.isArray)) return `[${tensor.map((x) => JSON.stringify(x)).join(', ')}]`;
  const inner = indent + ' ';
  return `[${tensor.map((t) => formatTensor(t, inner)).join(`,\n${inner}`)}]`;
}

/** Up to six significant digits, without trailing zeros. */
export function formatNumber(x) {
  if (typeof x !== 'number') return String(x);
  if (x === 0) return '0';
  const abs = Math.abs(x);
  const text = abs >= 1e-4 && abs < 1e6 ? x.toPrecision(6) : x.toExponential(4);
  return text.includes('e')
    ? text.replace(/\.?0+e/, 'e')
    : text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/**
 * Splits a tensor of rank 2, 3 or 4 into matrices, each with a caption built from the names of its leading
 * dimensions (['batch', 'head'] gives "batch 0 · head 1"); what a leading dimension means depends on the endpoint.
 */
export function matrices(tensor, names = []) {
  const rank = shapeOf(tensor).length;
  const out = [];
  const walk = (t, depth, caption) => {
    if (depth === rank - 2) {
      out.push({ caption, matrix: t });
      return;
    }
    t.forEach((inner, i) => walk(inner, depth + 1, [...caption, `${names[depth] ?? 'slice'} ${i}`]));
  };
  if (rank >= 2) walk(tensor, 0, []);
  return out.map((m) => ({ caption: m.caption.join(' · '), matrix: m.matrix }));
}
