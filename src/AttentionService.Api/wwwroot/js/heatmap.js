// Attention weights as a heatmap on a canvas: labelled rows (queries) and columns (keys), a colour scale, and the
// value under the pointer or the keyboard cursor.
import { formatNumber } from './tensors.js';

// A sequential blue scale: weights are probabilities, so 0 is near the page colour and 1 is the darkest.
const STOPS = [
  [247, 251, 255],
  [198, 219, 239],
  [107, 174, 214],
  [33, 113, 181],
  [8, 48, 107],
];

/** The colour of a weight in [0, 1] as [r, g, b]. */
export function colourOf(value) {
  const v = Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(v));
  const t = v - i;
  return STOPS[i].map((c, k) => Math.round(c + ((STOPS[i + 1][k] - c) * t)));
}

const css = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;
const GRADIENT = `linear-gradient(to right, ${STOPS.map((s, i) => `${css(s)} ${(i * 100) / (STOPS.length - 1)}%`).join(', ')})`;

function element(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Appends a heatmap of `matrix` (rows of numbers in [0, 1]) to `parent`.
 * `caption` names the slice (e.g. "head 1"); rows are labelled q0.., columns k0...
 */
export function renderHeatmap(parent, matrix, { caption = '', id } = {}) {
  const rows = matrix.length;
  const cols = rows > 0 ? matrix[0].length : 0;
  const figure = element('figure', 'heatmap');
  if (id) figure.id = id;

  const title = element('figcaption', 'heatmap-caption');
  if (caption) title.append(element('span', 'heatmap-title', caption));
  title.append(element('span', 'heatmap-shape', `${rows} ${rows === 1 ? 'query' : 'queries'} × ${cols} ${cols === 1 ? 'key' : 'keys'}`));

  const scroller = element('div', 'heatmap-scroller');
  const canvas = element('canvas', 'heatmap-canvas');
  canvas.tabIndex = 0;
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `Attention weights${caption ? ` (${caption})` : ''}: ${rows} query rows by ${cols} key columns. Use the arrow keys to read each weight.`);
  const tooltip = element('div', 'heatmap-tooltip');
  tooltip.hidden = true;
  scroller.append(canvas, tooltip);

  const readout = element('p', 'heatmap-readout', 'Point at a cell, or focus the map and use the arrow keys, to read a weight.');
  readout.setAttribute('aria-live', 'polite');

  const legend = element('div', 'legend');
  const bar = element('div', 'legend-bar');
  bar.style.backgroundImage = GRADIENT;
  const ticks = element('div', 'legend-ticks');
  for (const t of ['0', '0.25', '0.5', '0.75', '1']) ticks.append(element('span', '', t));
  legend.append(element('span', 'legend-title', 'weight'), element('div', 'legend-scale'));
  legend.lastChild.append(bar, ticks);

  figure.append(title, scroller, legend, readout);
  parent.append(figure);

  let active = null; // [row, col] under the pointer or the keyboard cursor
  let layout = null;

  const draw = () => {
    const style = getComputedStyle(figure);
    const text = style.getPropertyValue('--heatmap-text').trim() || '#1f2937';
    const font = `12px ${style.fontFamily}`;
    const ctx = canvas.getContext('2d');
    ctx.font = font;
    const labelWidth = Math.ceil(Math.max(ctx.measureText(`q${rows - 1}`).width, 14)) + 10;
    const labelHeight = 20;
    const available = Math.max(120, scroller.clientWidth - labelWidth - 2);
    const cell = Math.max(14, Math.min(72, Math.floor(available / Math.max(cols, 1))));
    const width = labelWidth + (cols * cell) + 1;
    const height = labelHeight + (rows * cell) + 1;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    Object.assign(canvas.dataset, { originX: labelWidth, originY: labelHeight, cell, rows, cols });
    layout = { labelWidth, labelHeight, cell };

    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = font;
    ctx.fillStyle = text;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';
    const every = Math.ceil(28 / cell); // label every column when they fit, else every few
    for (let j = 0; j < cols; j += every) ctx.fillText(`k${j}`, labelWidth + (j * cell) + (cell / 2), labelHeight / 2);
    ctx.textAlign = 'right';
    const everyRow = Math.ceil(16 / cell);
    for (let i = 0; i < rows; i += everyRow) ctx.fillText(`q${i}`, labelWidth - 6, labelHeight + (i * cell) + (cell / 2));

    const showValues = cell >= 38;
    ctx.textAlign = 'center';
    ctx.font = `${Math.min(12, Math.floor(cell / 3.4))}px ${style.fontFamily}`;
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = matrix[i][j];
        const x = labelWidth + (j * cell);
        const y = labelHeight + (i * cell);
        ctx.fillStyle = css(colourOf(v));
        ctx.fillRect(x, y, cell, cell);
        if (showValues) {
          ctx.fillStyle = v > 0.5 ? '#ffffff' : '#0f172a';
          ctx.fillText(v.toFixed(2), x + (cell / 2), y + (cell / 2) + 0.5);
        }
      }
    }

    // Grid lines keep equal neighbours apart.
    ctx.strokeStyle = 'rgba(15, 23, 42, 0.12)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let i = 0; i <= rows; i++) {
      ctx.moveTo(labelWidth, labelHeight + (i * cell) + 0.5);
      ctx.lineTo(labelWidth + (cols * cell), labelHeight + (i * cell) + 0.5);
    }
    for (let j = 0; j <= cols; j++) {
      ctx.moveTo(labelWidth + (j * cell) + 0.5, labelHeight);
      ctx.lineTo(labelWidth + (j * cell) + 0.5, labelHeight + (rows * cell));
    }
    ctx.stroke();

    if (active) {
      const [i, j] = active;
      ctx.strokeStyle = '#f59e0b';
      ctx.lineWidth = 3;
      ctx.strokeRect(labelWidth + (j * cell) + 1.5, labelHeight + (i * cell) + 1.5, cell - 3, cell - 3);
    }
  };

  const show = (cellAt, pointer) => {
    active = cellAt;
    draw();
    if (!cellAt) {
      tooltip.hidden = true;
      return;
    }
    const [i, j] = cellAt;
    const value = formatNumber(matrix[i][j]);
    readout.textContent = `query ${i} → key ${j}: ${value}`;
    tooltip.textContent = `q${i} → k${j}  ${value}`;
    tooltip.hidden = false;
    // Below and right of the pointer (or of the keyboard's cell), like a cursor tooltip, kept inside the map.
    const x = pointer ? pointer[0] + 14 : layout.labelWidth + ((j + 0.5) * layout.cell);
    const y = pointer ? pointer[1] + 16 : layout.labelHeight + ((i + 0.75) * layout.cell);
    tooltip.style.left = `${Math.max(0, Math.min(x, canvas.clientWidth - tooltip.offsetWidth))}px`;
    tooltip.style.top = `${Math.max(0, Math.min(y, canvas.clientHeight - tooltip.offsetHeight))}px`;
  };

  canvas.addEventListener('pointermove', (e) => {
    if (!layout) return;
    const j = Math.floor((e.offsetX - layout.labelWidth) / layout.cell);
    const i = Math.floor((e.offsetY - layout.labelHeight) / layout.cell);
    const inside = i >= 0 && j >= 0 && i < rows && j < cols;
    if (inside && (!active || active[0] !== i || active[1] !== j)) show([i, j], [e.offsetX, e.offsetY]);
    else if (inside) show(active, [e.offsetX, e.offsetY]);
    else if (active) show(null);
  });
  canvas.addEventListener('pointerleave', () => show(null));
  canvas.addEventListener('blur', () => show(null));
  canvas.addEventListener('keydown', (e) => {
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (e.key === 'Escape') {
      show(null);
      return;
    }
    if (!moves[e.key] && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    let [i, j] = active ?? [0, 0];
    if (active && moves[e.key]) {
      i = Math.min(rows - 1, Math.max(0, i + moves[e.key][0]));
      j = Math.min(cols - 1, Math.max(0, j + moves[e.key][1]));
    } else if (e.key === 'Home') [i, j] = [0, 0];
    else if (e.key === 'End') [i, j] = [rows - 1, cols - 1];
    show([i, j]);
  });

  let lastWidth = -1;
  new ResizeObserver(() => {
    if (scroller.clientWidth !== lastWidth) {
      lastWidth = scroller.clientWidth;
      draw();
    }
  }).observe(scroller);
  draw();
  return figure;
}
