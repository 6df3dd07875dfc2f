// The playground: builds a request from the form, sends it to the service, and shows the answer (weights as
// heatmaps, the output as tables) or the service's problem details next to the fields they name.
import { examples } from './examples.js';
import { renderHeatmap } from './heatmap.js';
import { MaskEditor, MAX_SIDE } from './mask-editor.js';
import { formatNumber, formatTensor, matrices, parseList, parseTensor, shapeOf } from './tensors.js';

const $ = (selector) => document.querySelector(selector);
const form = $('#problem');
const TENSOR_FIELDS = ['query', 'key', 'value', 'input', 'qProjWeight', 'kProjWeight', 'vProjWeight', 'outProjWeight'];
const FORMULAS = {
  scaled_dot: 'q · k, scaled by 1/√d by default',
  dot: 'q · k',
  cosine: 'q · k / (‖q‖ ‖k‖)',
  pearson: 'cosine of the mean-centred rows (correlation)',
  general: 'qᵀ W k, with W in parameters',
  additive: 'vᵀ tanh(Wq q + Wk k + b), with wq, wk, v (and optional b) in parameters',
};
const PATHS = { attention: 'v1/attention', self: 'v1/attention/self', multihead: 'v1/attention/multihead' };

const maskEditor = new MaskEditor($('#mask-editor'));
let inFlight = null;
let maskFits = true; // the editor shows masks up to MAX_SIDE × MAX_SIDE

const control = (name) => document.getElementById(`field-${name}`);
const fieldOf = (name) => document.querySelector(`[data-field="${name}"]`);
const endpoint = () => form.elements.endpoint.value;
const visible = (name) => !fieldOf(name)?.hidden;

// Every field gets an error slot under it, announced with the control through aria-describedby.
for (const field of document.querySelectorAll('[data-field]')) {
  const error = document.createElement('p');
  error.className = 'field-error';
  error.id = `error-${field.dataset.field}`;
  error.hidden = true;
  field.append(error);
  const input = control(field.dataset.field);
  input?.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), error.id].filter(Boolean).join(' '));
}

function showFieldError(name, messages) {
  const error = $(`#error-${name}`);
  error.replaceChildren(...messages.map((m) => Object.assign(document.createElement('span'), { textContent: m })));
  error.hidden = false;
  fieldOf(name).classList.add('invalid');
  control(name)?.setAttribute('aria-invalid', 'true');
  if (fieldOf(name).tagName === 'DETAILS') fieldOf(name).open = true;
}

function clearErrors() {
  for (const error of document.querySelectorAll('.field-error')) {
    error.hidden = true;
    error.replaceChildren();
  }
  for (const field of document.querySelectorAll('.invalid')) field.classList.remove('invalid');
  for (const input of document.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  $('#form-error').hidden = true;
}

/** Shows the fields of the chosen endpoint (and the parameters field only for the scorings that take them). */
function applyEndpoint() {
  const ep = endpoint();
  const scoring = control('scoring').value;
  for (const field of document.querySelectorAll('[data-field]')) {
    const endpoints = field.dataset.endpoints?.split(' ');
    const scorings = field.dataset.scorings?.split(' ');
    field.hidden = (endpoints && !endpoints.includes(ep)) || (scorings && !scorings.includes(scoring)) || false;
  }
  for (const option of control('scoring').options) {
    option.disabled = option.dataset.endpoints !== undefined && !option.dataset.endpoints.split(' ').includes(ep);
  }
  if (control('scoring').selectedOptions[0]?.disabled) control('scoring').value = 'scaled_dot';
  $('#endpoint-path').textContent = `POST /${PATHS[ep]}`;
  $('#scoring-formula').textContent = ep === 'multihead' ? '' : `score(q, k) = ${FORMULAS[control('scoring').value]}`;
  updateShapes();
}

/** Shows each tensor's shape beside its label and sizes the mask editor to queries × keys. */
function updateShapes() {
  const shapes = {};
  for (const name of TENSOR_FIELDS) {
    const parsed = parseTensor(control(name).value);
    shapes[name] = parsed.value === undefined ? null : shapeOf(parsed.value);
    const label = $(`#shape-${name}`);
    if (label) label.textContent = shapes[name] && shapes[name].length ? `[${shapes[name].join(' × ')}]` : '';
  }

  const ep = endpoint();
  const queries = ep === 'self' ? shapes.input : shapes.query;
  const keys = ep === 'self' ? shapes.input : shapes.key;
  const n = queries?.length >= 2 ? queries[queries.length - 2] : 0;
  const m = keys?.length >= 2 ? keys[keys.length - 2] : 0;
  const fits = n > 0 && m > 0 && n <= MAX_SIDE && m <= MAX_SIDE;
  if (fits) maskEditor.resize(n, m);
  maskFits = fits || n === 0;
  describeMask();
}


function describeMask() {
  $('#mask-note').textContent = !maskFits
    ? `The editor shows masks up to ${MAX_SIDE} × ${MAX_SIDE}; send a larger one under More fields.`
    : `Pressed cells may attend. Arrow keys move, Enter or Space toggles.${control('causal').checked ? ' Striped cells are hidden by causal anyway.' : ''}`;
}

/** Grows a textarea with its rows, up to ten lines, so a pasted matrix shows whole. */
function fitRows(textarea) {
  textarea.rows = Math.min(10, Math.max(2, textarea.value.split('\n').length));
}

function loadExample(example) {
  form.elements.endpoint.value = example.endpoint;
  for (const name of [...TENSOR_FIELDS, 'numHeads', 'keyLengths', 'parameters', 'extra', 'scale']) control(name).value = '';
  for (const [name, value] of Object.entries(example.fields)) {
    control(name).value = name === 'numHeads' ? String(value) : formatTensor(value);
  }
  const o = example.options;
  control('scoring').value = o.scoring ?? (example.endpoint === 'self' ? 'pearson' : 'scaled_dot');
  control('precision').value = o.precision ?? 'float32';
  control('causal').checked = Boolean(o.causal);
  control('averageWeights').checked = o.averageWeights ?? true;
  control('parameters').value = o.parameters ? JSON.stringify(o.parameters, null, 1).replace(/\n\s*(?=[\d\-\]])/g, ' ') : '';
  control('mask').checked = Boolean(o.mask);
  $('#mask-panel').hidden = !o.mask;
  $('#example-note').textContent = example.note ?? '';
  for (const textarea of form.querySelectorAll('textarea')) fitRows(textarea);
  applyEndpoint();
  if (o.mask) maskEditor.set(o.mask);
  else maskEditor.allowAll();
  maskEditor.setCausal(control('causal').checked);
  describeMask();
}

/** The request body, or the fields that could not be read (they are shown inline and nothing is sent). */
function buildRequest() {
  const ep = endpoint();
  const body = {};
  const problems = {};
  const tensor = (name) => {
    const parsed = parseTensor(control(name).value);
    if (parsed.error) problems[name] = [parsed.error];
    else body[name] = parsed.value;
  };

  if (ep === 'self') tensor('input');
  else ['query', 'key', 'value'].forEach(tensor);

  if (ep === 'multihead') {
    const heads = control('numHeads').value.trim();
    if (heads === '') problems.numHeads = ['required'];
    else body.numHeads = Number(heads);
    ['qProjWeight', 'kProjWeight', 'vProjWeight', 'outProjWeight'].forEach(tensor);
    const lengths = parseList(control('keyLengths').value);
    if (lengths.error) problems.keyLengths = [lengths.error];
    else if (lengths.value !== undefined) body.keyLengths = lengths.value;
    if (!control('averageWeights').checked) body.averageWeights = false;
  } else {
    body.scoring = control('scoring').value;
    const scale = control('scale').value.trim();
    if (scale !== '') body.scale = Number(scale);
    if (visible('parameters') && control('parameters').value.trim() !== '') {
      try {
        body.parameters = JSON.parse(control('parameters').value);
      } catch (e) {
        problems.parameters = [`not valid JSON (${e.message})`];
      }
    }
  }

  if (control('causal').checked) body.causal = true;
  if (control('mask').checked && maskFits && maskEditor.rows > 0) body.mask = maskEditor.get();
  if (control('precision').value !== 'float32') body.precision = control('precision').value;

  const extra = control('extra').value.trim();
  if (extra !== '') {
    try {
      const fields = JSON.parse(extra);
      if (fields === null || typeof fields !== 'object' || Array.isArray(fields)) throw new Error('expected a JSON object');
      Object.assign(body, fields);
    } catch (e) {
      problems.extra = [`not valid JSON (${e.message})`];
    }
  }
  return { body, problems };
}

/** Which field a problem's key names: "query[1]" → query, "parameters.w" → parameters; null when none shows it. */
function fieldNamed(key, body) {
  const root = key.match(/^[A-Za-z]+/)?.[0];
  if (!root) return null;
  if (fieldOf(root) && visible(root) && control(root)) return root;
  const extra = control('extra').value;
  return extra.includes(`"${root}"`) ? 'extra' : (root === 'mask' && body.mask ? 'mask' : null);
}

function setStatus(state, text) {
  const status = $('#status');
  status.dataset.state = state;
  status.textContent = text;
}

function curlOf(path, body) {
  const url = new URL(path, document.baseURI).href;
  return `curl -s ${url} -H 'Content-Type: application/json' \\\n  -d '${JSON.stringify(body).replaceAll("'", "'\\''")}'`;
}

async function compute() {
  clearErrors();
  const { body, problems } = buildRequest();
  if (Object.keys(problems).length > 0) {
    for (const [name, messages] of Object.entries(problems)) showFieldError(name, messages);
    setStatus('invalid', 'Not sent: fix the fields marked below.');
    control(Object.keys(problems)[0])?.focus();
    return;
  }

  const ep = endpoint();
  inFlight?.abort();
  const controller = new AbortController();
  inFlight = controller;
  $('#curl').textContent = curlOf(PATHS[ep], body);
  setStatus('loading', 'Computing…');
  $('#compute').disabled = true;
  const started = performance.now();
  try {
    const response = await fetch(PATHS[ep], {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, application/problem+json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    const text = await response.text();
    const elapsed = Math.round(performance.now() - started);
    $('#answer-json').textContent = text;
    const type = response.headers.get('Content-Type') ?? '';
    if (response.ok) {
      showAnswer(JSON.parse(text), ep, body, `${response.status} OK`, elapsed);
    } else if (type.includes('json')) {
      showProblem(JSON.parse(text), response.status, body);
    } else {
      showFailure(`${response.status} ${response.statusText}: the service answered ${type || 'without a content type'}.`);
    }
  } catch (e) {
    if (e.name === 'AbortError') return;
    showFailure(`The service could not be reached (${e.message}).`);
  } finally {
    if (inFlight === controller) {
      inFlight = null;
      $('#compute').disabled = false;
    }
  }
}

function showAnswer(answer, ep, body, statusText, elapsed) {
  $('#problem-detail').hidden = true;
  $('#answer').hidden = false;
  const scale = typeof answer.scale === 'number' ? formatNumber(answer.scale) : answer.scale;
  setStatus('done', `${statusText} · ${answer.scoring} · scale ${scale} · ${answer.precision} · ${elapsed} ms`);

  const heatmaps = $('#heatmaps');
  heatmaps.replaceChildren();
  if (answer.weights) {
    const slices = matrices(answer.weights, weightNames(ep, body, answer.weights));
    heatmaps.classList.toggle('several', slices.length > 1);
    slices.forEach((s, i) => renderHeatmap(heatmaps, s.matrix, { caption: s.caption, id: `heatmap-${i}` }));
  } else {
    heatmaps.append(Object.assign(document.createElement('p'), { className: 'hint', textContent: 'No weights: the request set returnWeights to false.' }));
  }

  const output = $('#output');
  output.replaceChildren(...matrices(answer.output, outputNames(ep, answer.output)).map((s) => table(s.matrix, s.caption)));
}

/** What the leading dimensions of the weights are: batch and head, or (multi-head, per head, unbatched) head alone. */
function weightNames(ep, body, weights) {
  const rank = shapeOf(weights).length;
  if (ep === 'multihead' && body.averageWeights === false) return rank === 3 ? ['head'] : ['batch', 'head'];
  return ['batch', 'head'].slice(0, rank - 2);
}

function outputNames(ep, output) {
  return ['batch', 'head'].slice(0, shapeOf(output).length - 2);
}

function table(matrix, caption) {
  const wrapper = document.createElement('div');
  wrapper.className = 'table-scroller';
  const t = document.createElement('table');
  t.className = 'matrix';
  if (caption) t.createCaption().textContent = caption;
  const head = t.createTHead().insertRow();
  head.append(Object.assign(document.createElement('td'), {}));
  (matrix[0] ?? []).forEach((_, j) => head.append(Object.assign(document.createElement('th'), { scope: 'col', textContent: `${j}` })));
  const tbody = t.createTBody();
  matrix.forEach((row, i) => {
    const tr = tbody.insertRow();
    tr.append(Object.assign(document.createElement('th'), { scope: 'row', textContent: `q${i}` }));
    for (const x of row) tr.insertCell().textContent = formatNumber(x);
  });
  wrapper.append(t);
  return wrapper;
}

function showProblem(problem, status, body) {
  $('#answer').hidden = true;
  setStatus('problem', `${status} ${problem.title ?? 'Refused'}`);
  const detail = $('#problem-detail');
  detail.hidden = false;
  const heading = Object.assign(document.createElement('p'), { className: 'problem-title', textContent: problem.title ?? `HTTP ${status}` });
  const text = Object.assign(document.createElement('p'), { className: 'problem-text', textContent: problem.detail ?? '' });
  detail.replaceChildren(heading, text);

  const unplaced = [];
  const byField = {};
  for (const [key, messages] of Object.entries(problem.errors ?? {})) {
    const name = fieldNamed(key, body);
    const lines = messages.map((m) => `${key}: ${m}`);
    if (name) (byField[name] ??= []).push(...lines);
    else unplaced.push(...lines);
  }
  for (const [name, lines] of Object.entries(byField)) showFieldError(name, lines);
  if (unplaced.length > 0 || Object.keys(byField).length === 0) {
    const formError = $('#form-error');
    formError.textContent = unplaced.length > 0 ? unplaced.join('\n') : (problem.detail ?? problem.title ?? `HTTP ${status}`);
    formError.hidden = false;
  }
  if (problem.traceId) {
    detail.append(Object.assign(document.createElement('p'), { className: 'hint', textContent: `trace ${problem.traceId}` }));
  }
}

function showFailure(message) {
  $('#answer').hidden = true;
  $('#problem-detail').hidden = true;
  setStatus('error', message);
  const formError = $('#form-error');
  formError.textContent = message;
  formError.hidden = false;
}

function populateExamples() {
  const select = $('#example');
  const groups = { attention: 'POST /v1/attention', self: 'POST /v1/attention/self', multihead: 'POST /v1/attention/multihead', refused: 'Refused by the service' };
  const optgroups = {};
  for (const [key, label] of Object.entries(groups)) {
    optgroups[key] = Object.assign(document.createElement('optgroup'), { label });
    select.append(optgroups[key]);
  }
  for (const example of examples) {
    optgroups[example.refused ? 'refused' : example.endpoint].append(new Option(example.label, example.id));
  }
}

populateExamples();
$('#example').addEventListener('change', (e) => {
  loadExample(examples.find((x) => x.id === e.target.value));
  compute();
});
form.addEventListener('change', (e) => {
  if (e.target.name === 'endpoint' || e.target.name === 'scoring') applyEndpoint();
  if (e.target.name === 'causal') {
    maskEditor.setCausal(e.target.checked);
    describeMask();
  }
  if (e.target.name === 'mask') $('#mask-panel').hidden = !e.target.checked;
});
form.addEventListener('input', (e) => {
  if (e.target.tagName === 'TEXTAREA') fitRows(e.target);
  if (TENSOR_FIELDS.includes(e.target.name)) updateShapes();
});
form.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    compute();
  }
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  compute();
});
$('#mask-reset').addEventListener('click', () => maskEditor.allowAll());

loadExample(examples[0]);
compute();
