// ActorTracing UI: one page, hash routes (#/search?..., #/trace/<id>, #/overview), talking only to
// this node's /api. Every value from the API is inserted as text (never as HTML), so span names
// and attributes cannot inject markup.
'use strict';

const app = document.getElementById('app');
const palette = ['#2f6fde', '#d9822b', '#2a9d5b', '#9b59b6', '#c0392b', '#16a2b8', '#7f8c1d', '#b0578d', '#5d6d7e', '#e67e22'];
let uiConfig = { defaultLimit: 20, maxLimit: 1500, lookbackMs: 3600000, overviewPollMs: 2000 };
let overviewTimer = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'style') Object.assign(node.style, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

async function api(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  let body = null;
  try { body = await response.json(); } catch { /* not JSON: reported below */ }
  if (!response.ok) {
    const message = body && body.errors && body.errors.length ? body.errors.map(e => e.msg).join('; ') : response.statusText;
    throw new Error(`${response.status}: ${message}`);
  }
  return body;
}

function formatDuration(micros) {
  if (micros >= 1e6) return (micros / 1e6).toFixed(2).replace(/\.?0+$/, '') + 's';
  if (micros >= 1e3) return (micros / 1e3).toFixed(2).replace(/\.?0+$/, '') + 'ms';
  return Math.round(micros) + 'µs';
}

function formatTime(micros) {
  const d = new Date(micros / 1000);
  return d.toISOString().replace('T', ' ').replace('Z', ' UTC');
}

function regionColours(regions) {
  const map = new Map();
  [...new Set(regions)].sort().forEach((r, i) => map.set(r, palette[i % palette.length]));
  return map;
}

function regionBadge(region, colours) {
  return el('span', { class: 'badge region', 'data-region': region, style: { background: colours.get(region) || '#5d6d7e' }, text: region || '(no region)' });
}

function tagValue(tags, key) {
  const tag = (tags || []).find(t => t.key === key);
  return tag ? tag.value : undefined;
}

function setActiveNav(name) {
  document.getElementById('nav-search').classList.toggle('active', name === 'search');
  document.getElementById('nav-overview').classList.toggle('active', name === 'overview');
}

function showError(container, error) {
  container.replaceChildren(el('div', { class: 'error', role: 'alert', text: String(error.message || error) }));
}

// ---------- search ----------

function parseTags(text) {
  // Jaeger UI's logfmt style: key=value pairs separated by spaces; values may be "quoted".
  const tags = {};
  const re = /([^\s=]+)=("([^"]*)"|\S*)/g;
  let match;
  while ((match = re.exec(text)) !== null) tags[match[1]] = match[3] !== undefined ? match[3] : match[2];
  return tags;
}

async function renderSearch(params) {
  setActiveNav('search');
  const results = el('div', { class: 'results', id: 'results' });
  const serviceSelect = el('select', { id: 'service', name: 'service' }, el('option', { value: '', text: '(any service)' }));
  const operationSelect = el('select', { id: 'operation', name: 'operation' }, el('option', { value: '', text: '(any operation)' }));
  const lookback = el('select', { id: 'lookback', name: 'lookback' },
    ...[['5m', 'Last 5 minutes'], ['15m', 'Last 15 minutes'], ['1h', 'Last hour'], ['6h', 'Last 6 hours'], ['24h', 'Last 24 hours'], ['72h', 'Last 3 days'], ['custom', 'Custom range']]
      .map(([v, t]) => el('option', { value: v, text: t, selected: v === '1h' })));
  const start = el('input', { id: 'start', name: 'start', type: 'datetime-local', step: '1' });
  const end = el('input', { id: 'end', name: 'end', type: 'datetime-local', step: '1' });
  const form = el('form', { class: 'search', id: 'search-form' },
    el('h2', { text: 'Search' }),
    el('label', { for: 'service', text: 'Service' }), serviceSelect,
    el('label', { for: 'operation', text: 'Operation' }), operationSelect,
    el('label', { for: 'tags', text: 'Tags (key=value, space separated)' }),
    el('input', { id: 'tags', name: 'tags', placeholder: 'http.status_code=500 error=true' }),
    el('label', { for: 'lookback', text: 'Time range' }), lookback,
    el('div', { class: 'row2' },
      el('div', {}, el('label', { for: 'start', text: 'From (UTC, custom)' }), start),
      el('div', {}, el('label', { for: 'end', text: 'To (UTC, custom)' }), end)),
    el('div', { class: 'row2' },
      el('div', {}, el('label', { for: 'minDuration', text: 'Min duration' }), el('input', { id: 'minDuration', name: 'minDuration', placeholder: 'e.g. 100ms' })),
      el('div', {}, el('label', { for: 'maxDuration', text: 'Max duration' }), el('input', { id: 'maxDuration', name: 'maxDuration', placeholder: 'e.g. 1.2s' }))),
    el('label', { for: 'limit', text: 'Limit' }),
    el('input', { id: 'limit', name: 'limit', type: 'number', min: '1', max: String(uiConfig.maxLimit), value: String(uiConfig.defaultLimit) }),
    el('button', { type: 'submit', id: 'find', text: 'Find traces' }));
  app.replaceChildren(el('div', { class: 'layout' }, form, el('section', {}, results)));

  form.addEventListener('submit', event => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const name of ['service', 'operation', 'tags', 'lookback', 'start', 'end', 'minDuration', 'maxDuration', 'limit']) {
      const value = form.elements[name].value.trim();
      if (value) query.set(name, value);
    }
    location.hash = '#/search?' + query.toString();
  });

  try {
    const services = await api('/api/services');
    for (const s of services.data || []) serviceSelect.append(el('option', { value: s, text: s }));
  } catch (error) {
    showError(results, error);
    return;
  }
  const loadOperations = async () => {
    operationSelect.replaceChildren(el('option', { value: '', text: '(any operation)' }));
    if (!serviceSelect.value) return;
    const ops = await api('/api/services/' + encodeURIComponent(serviceSelect.value) + '/operations');
    for (const o of ops.data || []) operationSelect.append(el('option', { value: o, text: o }));
  };
  serviceSelect.addEventListener('change', () => loadOperations().catch(e => showError(results, e)));

  for (const name of ['service', 'tags', 'lookback', 'start', 'end', 'minDuration', 'maxDuration', 'limit']) {
    if (params.has(name)) form.elements[name].value = params.get(name);
  }
  if (params.has('service')) {
    await loadOperations().catch(e => showError(results, e));
    if (params.has('operation')) operationSelect.value = params.get('operation');
  }
  if ([...params.keys()].length === 0) {
    results.replaceChildren(el('p', { class: 'muted', text: 'Choose filters and press "Find traces".' }));
    return;
  }
  await runSearch(params, results);
}

function toMicros(localValue) {
  // The inputs hold UTC wall-clock times (labelled so); append Z so Date does not apply the local zone.
  return Math.round(Date.parse(localValue + 'Z') * 1000);
}

async function runSearch(params, results) {
  const query = new URLSearchParams();
  if (params.get('service')) query.set('service', params.get('service'));
  if (params.get('operation')) query.set('operation', params.get('operation'));
  if (params.get('tags')) query.set('tags', JSON.stringify(parseTags(params.get('tags'))));
  if (params.get('minDuration')) query.set('minDuration', params.get('minDuration'));
  if (params.get('maxDuration')) query.set('maxDuration', params.get('maxDuration'));
  query.set('limit', params.get('limit') || String(uiConfig.defaultLimit));
  const lookback = params.get('lookback') || '1h';
  if (lookback === 'custom') {
    if (params.get('start')) query.set('start', String(toMicros(params.get('start'))));
    if (params.get('end')) query.set('end', String(toMicros(params.get('end'))));
  } else {
    query.set('lookback', lookback);
  }
  results.replaceChildren(el('p', { class: 'muted', text: 'Searching…' }));
  let body;
  try {
    body = await api('/api/traces?' + query.toString());
  } catch (error) {
    showError(results, error);
    return;
  }
  const traces = body.data || [];
  const items = traces.map(trace => {
    const summary = summarize(trace);
    const colours = regionColours(summary.regions);
    return el('a', { class: 'result', href: '#/trace/' + trace.traceID, 'data-trace-id': trace.traceID },
      el('div', { class: 'title', text: `${summary.rootService}: ${summary.rootName}` }),
      el('div', { class: 'meta' },
        el('span', { text: formatDuration(summary.duration) }),
        el('span', { text: `${trace.spans.length} spans` }),
        el('span', { text: formatTime(summary.start) }),
        el('span', {}, ...summary.regions.map(r => regionBadge(r, colours))),
        summary.reason ? el('span', { class: 'badge reason', text: summary.reason }) : null,
        summary.errors ? el('span', { class: 'badge err', text: `${summary.errors} errors` }) : null,
        (trace.warnings || []).length ? el('span', { class: 'badge warn', text: `${trace.warnings.length} warnings` }) : null,
        el('span', { class: 'muted', text: trace.traceID })));
  });
  results.replaceChildren(el('p', { class: 'muted', text: `${traces.length} trace(s)` }), ...items);
}

function summarize(trace) {
  const spans = trace.spans || [];
  const ids = new Set(spans.map(s => s.spanID));
  const roots = spans.filter(s => !(s.references || []).some(r => r.refType === 'CHILD_OF' && ids.has(r.spanID)));
  const root = roots[0] || spans[0] || { operationName: '?', processID: '' };
  const start = Math.min(...spans.map(s => s.startTime));
  const endTime = Math.max(...spans.map(s => s.startTime + s.duration));
  const ext = trace.actortracing || {};
  const regions = ext.regions && ext.regions.length ? ext.regions
    : [...new Set(Object.values(trace.processes || {}).map(p => tagValue(p.tags, 'region') || ''))];
  return {
    root,
    rootName: root.operationName,
    rootService: (trace.processes[root.processID] || {}).serviceName || '?',
    start,
    duration: endTime - start,
    regions,
    reason: ext.samplingReason || tagValue(root.tags, 'sampling.reason') || '',
    errors: spans.filter(s => tagValue(s.tags, 'error') === true).length,
  };
}

// ---------- trace ----------

async function renderTrace(traceId) {
  setActiveNav('search');
  app.replaceChildren(el('p', { class: 'muted', text: 'Loading trace…' }));
  let body;
  try {
    body = await api('/api/traces/' + encodeURIComponent(traceId));
  } catch (error) {
    showError(app, error);
    return;
  }
  const trace = body.data[0];
  const ext = trace.actortracing || {};
  const summary = summarize(trace);
  const colours = regionColours(summary.regions);
  const regionOf = span => tagValue((trace.processes[span.processID] || {}).tags, 'region') || '';
  const spans = orderSpans(trace.spans);
  const start = summary.start;
  const total = Math.max(summary.duration, 1);
  const pct = micros => (100 * (micros - start) / total);
  const edgeByChild = new Map((ext.crossRegionEdges || []).map(e => [e.spanID, e]));

  const head = el('div', { class: 'trace-head' },
    el('h2', { text: `${summary.rootService}: ${summary.rootName}` }),
    el('div', {}, ...summary.regions.map(r => regionBadge(r, colours))),
    el('dl', {},
      el('dt', { text: 'Trace ID' }), el('dd', { id: 'trace-id', text: trace.traceID }),
      el('dt', { text: 'Start' }), el('dd', { text: formatTime(start) }),
      el('dt', { text: 'Duration' }), el('dd', { text: formatDuration(summary.duration) }),
      el('dt', { text: 'Spans' }), el('dd', { text: String(trace.spans.length) }),
      el('dt', { text: 'Sampling' }), el('dd', { id: 'sampling-reason' },
        el('span', { class: 'badge reason', text: summary.reason || '(none recorded)' }),
        ext.sampleRate ? ` rate 1 in ${ext.sampleRate}` : ''),
      ext.completionReason ? [el('dt', { text: 'Completed by' }), el('dd', { id: 'completion-reason', text: ext.completionReason })] : null,
      ext.groupId ? [el('dt', { text: 'Correlation group' }), el('dd', { id: 'group' }, ext.groupId, ' ',
        ...(ext.linkedTraceIds || []).map(id => el('a', { href: '#/trace/' + id, class: 'badge', text: id })))] : null,
      (ext.arrivalLag || []).length ? [el('dt', { text: 'Arrival lag' }), el('dd', {},
        ext.arrivalLag.map(l => `${l.region} +${l.lagMs}ms`).join(', '))] : null),
    (trace.warnings || []).length
      ? el('ul', { class: 'warnings', id: 'trace-warnings' }, ...trace.warnings.map(w => el('li', { text: '⚠ ' + w })))
      : null);

  const lanes = el('div', { class: 'lanes', id: 'region-lanes' },
    el('h3', { text: 'Region lanes' }),
    ...summary.regions.map(region => el('div', { class: 'region-lane', 'data-region': region },
      el('div', { class: 'name', style: { color: colours.get(region) }, text: region || '(no region)' }),
      el('div', { class: 'track' }, ...spans.filter(s => regionOf(s) === region).map(s => el('span', {
        title: s.operationName,
        style: { left: pct(s.startTime) + '%', width: Math.max(100 * s.duration / total, 0.2) + '%', background: colours.get(region) },
      }))))));

  const waterfall = el('div', { class: 'waterfall', id: 'waterfall' },
    el('div', { class: 'ticks' }, el('span', { text: 'Service / operation' }),
      el('span', { class: 'scale' }, ...[0, 0.25, 0.5, 0.75, 1].map(f => el('span', { text: formatDuration(total * f) })))));
  for (const { span, depth } of spans.map(s => ({ span: s, depth: s._depth }))) {
    const region = regionOf(span);
    const edge = edgeByChild.get(span.spanID);
    const process = trace.processes[span.processID] || {};
    const isError = tagValue(span.tags, 'error') === true;
    const row = el('div', {
      class: 'span-row' + (edge ? ' cross' : ''), 'data-span-id': span.spanID, 'data-region': region,
      style: { borderLeftColor: colours.get(region) },
    },
      el('div', { class: 'label', style: { paddingLeft: (depth * 14) + 'px' } },
        el('span', { class: 'svc', text: process.serviceName || '?' }),
        el('span', { class: 'op', text: span.operationName }),
        edge ? el('span', { class: 'badge warn cross-region', title: 'cross-region call', text: `⇄ ${edge.parentRegion} → ${edge.region}` }) : null,
        edge && edge.skewNs ? el('span', { class: 'badge err skew', text: `skew ${formatDuration(Math.abs(edge.skewNs) / 1000)}` }) : null,
        (span.warnings || []).length && !(edge && edge.skewNs) ? el('span', { class: 'badge warn', text: '⚠' }) : null),
      el('div', { class: 'bar-area' },
        el('div', { class: 'bar' + (isError ? ' error' : ''), style: { left: pct(span.startTime) + '%', width: Math.max(100 * span.duration / total, 0.2) + '%', background: colours.get(region) } }),
        durationLabel(pct(span.startTime + span.duration), formatDuration(span.duration))));
    let details = null;
    row.addEventListener('click', () => {
      if (details) {
        details.remove();
        details = null;
        row.classList.remove('selected');
        return;
      }
      details = spanDetails(span, process, trace);
      row.classList.add('selected');
      row.after(details);
    });
    waterfall.append(row);
  }
  app.replaceChildren(head, lanes, waterfall);
}

function durationLabel(endPct, text) {
  // Past 85% of the width the label would fall off the right edge: put it inside the bar's end.
  return endPct > 85
    ? el('span', { class: 'dur inside', style: { right: Math.max(100 - endPct, 0) + 0.5 + '%' }, text })
    : el('span', { class: 'dur', style: { left: endPct + 0.5 + '%' }, text });
}

function orderSpans(spans) {
  // Depth-first from the roots, children by start time: the usual waterfall order.
  const byId = new Map(spans.map(s => [s.spanID, s]));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    const parent = (s.references || []).find(r => r.refType === 'CHILD_OF' && byId.has(r.spanID));
    if (parent) {
      if (!children.has(parent.spanID)) children.set(parent.spanID, []);
      children.get(parent.spanID).push(s);
    } else {
      roots.push(s);
    }
  }
  const out = [];
  const visit = (s, depth) => {
    s._depth = depth;
    out.push(s);
    for (const c of (children.get(s.spanID) || []).sort((a, b) => a.startTime - b.startTime)) visit(c, depth + 1);
  };
  roots.sort((a, b) => a.startTime - b.startTime).forEach(r => visit(r, 0));
  return out;
}

function tagTable(tags) {
  return el('table', {}, ...(tags || []).map(t => el('tr', {},
    el('td', { class: 'k', text: t.key }),
    el('td', {}, String(t.value), el('span', { class: 'type', text: t.type })))));
}

function spanDetails(span, process, trace) {
  const refs = span.references || [];
  return el('div', { class: 'details', 'data-details-for': span.spanID },
    el('div', { class: 'muted', text: `span ${span.spanID} · start ${formatTime(span.startTime)} · ${formatDuration(span.duration)}` }),
    (span.warnings || []).length ? el('ul', { class: 'warnings' }, ...span.warnings.map(w => el('li', { text: '⚠ ' + w }))) : null,
    el('h3', { text: 'Attributes' }), tagTable(span.tags),
    el('h3', { text: `Process (${process.serviceName || '?'})` }), tagTable(process.tags),
    el('h3', { text: `Events (${(span.logs || []).length})` }),
    ...(span.logs || []).map(log => el('div', {},
      el('div', { class: 'muted', text: `+${formatDuration(log.timestamp - span.startTime)}` }), tagTable(log.fields))),
    el('h3', { text: `Links (${refs.filter(r => r.refType === 'FOLLOWS_FROM').length})` }),
    el('table', {}, ...refs.map(r => el('tr', {},
      el('td', { class: 'k', text: r.refType }),
      el('td', {}, r.traceID === trace.traceID
        ? `span ${r.spanID}`
        : el('a', { href: '#/trace/' + r.traceID, text: `trace ${r.traceID} span ${r.spanID}` }))))));
}

// ---------- overview ----------

async function renderOverview() {
  setActiveNav('overview');
  const body = el('div', { id: 'overview' }, el('p', { class: 'muted', text: 'Loading…' }));
  app.replaceChildren(el('h2', { text: 'Pipeline overview' }), body);
  const poll = async () => {
    try {
      const o = await api('/api/overview');
      const decisions = Object.entries(o.decisionsByReason || {}).sort((a, b) => b[1] - a[1]);
      body.replaceChildren(...[
        el('p', { class: 'muted', text: `${o.node || 'this node'} · ${new Date(o.timestamp).toISOString()}` }),
        el('div', { class: 'cards' },
          card('Ingest', `${Math.round(o.ingestSpansPerSecond)} spans/s`, `${o.spansReceived} received`),
          card('Buffered traces', String(o.bufferedTraces), `${o.bufferedSpans} spans`),
          card('Decisions', String(decisions.reduce((n, [, c]) => n + c, 0)), `${decisions.length} reasons`),
          card('Members', String((o.members || []).length), '')),
        el('h3', { text: 'Decisions by reason' }),
        grid(['Reason', 'Traces'], decisions.map(([r, c]) => [r, c])),
        el('h3', { text: 'Storage' }),
        grid(['Shard', 'Rows', 'Bytes on disk', 'Pending rows', 'Healthy'],
          (o.storage || []).map(s => [s.name, s.rows, s.bytesOnDisk, s.pendingRows, s.healthy ? 'yes' : 'NO'])),
        el('h3', { text: 'Cluster members' }),
        grid(['Address', 'Status', 'Region', 'Roles'], (o.members || []).map(m => [m.address, m.status, m.region, (m.roles || []).join(', ')])),
        (o.notes || []).length ? el('ul', { class: 'warnings', id: 'overview-notes' }, ...o.notes.map(n => el('li', { text: n }))) : null,
      ].filter(Boolean));
    } catch (error) {
      showError(body, error);
    }
  };
  await poll();
  overviewTimer = setInterval(poll, uiConfig.overviewPollMs);
}

function card(title, big, small) {
  return el('div', { class: 'card' }, el('div', { class: 'muted', text: title }), el('div', { class: 'big', text: big }), el('div', { class: 'muted', text: small }));
}

function grid(headers, rows) {
  if (!rows.length) return el('p', { class: 'muted', text: 'none' });
  return el('table', { class: 'grid' },
    el('tr', {}, ...headers.map(h => el('th', { text: h }))),
    ...rows.map(r => el('tr', {}, ...r.map(c => el('td', { text: String(c) })))));
}

// ---------- routing ----------

async function route() {
  if (overviewTimer) {
    clearInterval(overviewTimer);
    overviewTimer = null;
  }
  const hash = location.hash || '#/search';
  const [path, queryString] = hash.slice(1).split('?');
  if (path.startsWith('/trace/')) await renderTrace(decodeURIComponent(path.slice('/trace/'.length)));
  else if (path === '/overview') await renderOverview();
  else await renderSearch(new URLSearchParams(queryString || ''));
}

window.addEventListener('hashchange', () => { route(); });
api('/api/ui-config').then(c => { uiConfig = c; }).catch(() => { /* defaults stay */ }).finally(route);
