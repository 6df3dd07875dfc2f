// The mask as a grid of toggle buttons: a pressed cell lets that query attend that key. One tab stop for the whole
// grid (arrow keys move between cells, Enter or Space toggles), so a large mask does not swallow the Tab key.

export const MAX_SIDE = 24;

export class MaskEditor {
  constructor(root) {
    this.root = root;
    this.values = [];
    this.causal = false;
    this.focus = [0, 0];
  }

  get rows() {
    return this.values.length;
  }

  get cols() {
    return this.values[0]?.length ?? 0;
  }

  /** Resizes to n × m, keeping the cells both sizes share; new cells may attend. */
  resize(n, m) {
    if (n === this.rows && m === this.cols) return;
    this.values = Array.from({ length: n }, (_, i) => Array.from({ length: m }, (_, j) => this.values[i]?.[j] ?? true));
    this.focus = [Math.min(this.focus[0], Math.max(n - 1, 0)), Math.min(this.focus[1], Math.max(m - 1, 0))];
    this.render();
  }

  set(mask) {
    this.values = mask.map((row) => row.map(Boolean));
    this.render();
  }

  get() {
    return this.values.map((row) => [...row]);
  }

  allowAll() {
    this.values = this.values.map((row) => row.map(() => true));
    this.render();
  }

  setCausal(causal) {
    this.causal = causal;
    this.render();
  }

  render() {
    const table = document.createElement('table');
    table.className = 'mask-grid';
    const caption = document.createElement('caption');
    caption.className = 'visually-hidden';
    caption.textContent = 'Mask: rows are queries, columns are keys; a pressed cell may attend.';
    table.append(caption);

    const head = table.createTHead().insertRow();
    head.append(document.createElement('td'));
    for (let j = 0; j < this.cols; j++) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = `k${j}`;
      head.append(th);
    }

    const body = table.createTBody();
    for (let i = 0; i < this.rows; i++) {
      const row = body.insertRow();
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = `q${i}`;
      row.append(th);
      for (let j = 0; j < this.cols; j++) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'mask-cell';
        button.dataset.row = i;
        button.dataset.col = j;
        const hiddenByCausal = this.causal && j > i;
        if (hiddenByCausal) button.classList.add('causal');
        button.setAttribute('aria-pressed', String(this.values[i][j]));
        button.setAttribute('aria-label', `query ${i} may attend key ${j}${hiddenByCausal ? ' (causal hides it anyway)' : ''}`);
        button.title = `q${i} → k${j}: ${this.values[i][j] ? 'may attend' : 'masked'}${hiddenByCausal ? ', hidden by causal' : ''}`;
        button.tabIndex = i === this.focus[0] && j === this.focus[1] ? 0 : -1;
        row.insertCell().append(button);
      }
    }

    table.addEventListener('click', (e) => {
      const button = e.target.closest('.mask-cell');
      if (!button) return;
      const i = Number(button.dataset.row);
      const j = Number(button.dataset.col);
      this.values[i][j] = !this.values[i][j];
      this.focus = [i, j];
      this.render();
      this.cell(i, j)?.focus();
    });
    table.addEventListener('keydown', (e) => {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      const button = e.target.closest('.mask-cell');
      if (!button || !moves[e.key]) return;
      e.preventDefault();
      const i = Math.min(this.rows - 1, Math.max(0, Number(button.dataset.row) + moves[e.key][0]));
      const j = Math.min(this.cols - 1, Math.max(0, Number(button.dataset.col) + moves[e.key][1]));
      button.tabIndex = -1;
      this.focus = [i, j];
      const next = this.cell(i, j);
      next.tabIndex = 0;
      next.focus();
    });

    this.root.replaceChildren(table);
  }

  cell(i, j) {
    return this.root.querySelector(`.mask-cell[data-row="${i}"][data-col="${j}"]`);
  }
}
