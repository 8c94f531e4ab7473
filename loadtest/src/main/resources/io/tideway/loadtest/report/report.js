// Draws the Tideway benchmark report from the JSON document embedded in the page.
// Plain DOM and SVG, no library, nothing fetched. Text from the document only ever goes in
// through textContent or setAttribute, never as markup.
(function () {
  'use strict';

  const SVG_NS = 'http://www.w3.org/2000/svg';
  // Okabe and Ito's palette, told apart with most forms of colour blindness.
  const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#7f7f7f'];
  const LATENCY = [
    { key: 'p50', label: 'p50', color: '#0072b2' },
    { key: 'p99', label: 'p99', color: '#e69f00' },
    { key: 'max', label: 'max', color: '#d55e00', dash: '5 4', faint: true },
  ];
  const MET = '#1a7f37';
  const MISSED = '#c62828';
  const NEUTRAL = '#7f8a9c';

  function showError(error) {
    const pre = document.createElement('pre');
    pre.className = 'error';
    const detail = error && error.stack ? error.stack : String(error);
    pre.textContent = 'The report could not be drawn in full: ' + detail;
    document.body.insertBefore(pre, document.body.firstChild);
  }

  window.addEventListener('error', (event) => showError(event.error || event.message));
  window.addEventListener('unhandledrejection', (event) => showError(event.reason));

  // ---- reading the document: anything missing or of the wrong type reads as absent ----

  const num = (v) => (typeof v === 'number' && isFinite(v) ? v : null);
  const arr = (v) => (Array.isArray(v) ? v : []);
  const obj = (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {});
  const str = (v, otherwise) =>
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : otherwise;

  function slug(name) {
    const s = String(name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
    return s || 'run';
  }

  // ---- formatting ----

  function fmt(v, digits) {
    if (v === null) return '—';
    const d = digits !== undefined ? digits : Math.abs(v) >= 100 ? 0 : Math.abs(v) >= 10 ? 1 : 2;
    return v.toLocaleString('en-US', { maximumFractionDigits: d });
  }
  function fmtCount(v) {
    return v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 0 });
  }
  function fmtRate(v) {
    return v === null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  }
  function fmtBytes(v) {
    if (v === null) return '—';
    const gib = 1024 * 1024 * 1024;
    if (Math.abs(v) >= gib) return (v / gib).toLocaleString('en-US', { maximumFractionDigits: 2 }) + ' GiB';
    return (v / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 0 }) + ' MiB';
  }
  function fmtTick(v) {
    const a = Math.abs(v);
    if (a >= 1e6) return (v / 1e6).toLocaleString('en-US', { maximumFractionDigits: 1 }) + 'M';
    if (a >= 1e4) return (v / 1e3).toLocaleString('en-US', { maximumFractionDigits: 1 }) + 'k';
    return v.toLocaleString('en-US', { maximumFractionDigits: 3 });
  }

  // ---- DOM helpers ----

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
    return node;
  }
  function sv(parent, tag, attrs, text) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }
  function tip(node, text) {
    sv(node, 'title', {}, text);
    return node;
  }

  function panel(title, hint) {
    const section = el('section', { class: 'panel' }, el('h2', {}, title));
    if (hint) section.appendChild(el('p', { class: 'hint' }, hint));
    return section;
  }

  function legend(items) {
    const box = el('div', { class: 'legend', 'aria-hidden': 'true' });
    for (const item of items) {
      const swatch = el('i', { class: item.kind || '' });
      swatch.style.background = item.color;
      swatch.style.borderColor = item.color;
      box.appendChild(el('span', {}, swatch, item.label));
    }
    return box;
  }

  // An <svg> sized to its container at 1:1, so text is drawn at its CSS size.
  function plot(container, name, label, height) {
    const width = Math.max(320, Math.round(container.clientWidth || 1100));
    const svg = sv(container, 'svg', {
      class: 'plot',
      viewBox: '0 0 ' + width + ' ' + height,
      role: 'img',
      'aria-label': label,
      'data-chart': name,
      'data-points': '0',
    });
    sv(svg, 'title', {}, label);
    return { svg, width, height };
  }

  function noData(p) {
    p.height = 96;
    p.svg.setAttribute('viewBox', '0 0 ' + p.width + ' ' + p.height);
    p.svg.setAttribute('data-points', '0');
    sv(p.svg, 'rect', { x: 0, y: 0, width: p.width, height: p.height, fill: '#fafbfc', rx: 8 });
    sv(p.svg, 'text', { class: 'nodata', x: p.width / 2, y: p.height / 2, 'text-anchor': 'middle' }, 'No data');
  }

  // Round steps of 1, 2 or 5 times a power of ten covering [lo, hi].
  function ticks(lo, hi, count) {
    if (!(hi > lo)) hi = lo + (lo === 0 ? 1 : Math.abs(lo));
    const raw = (hi - lo) / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const r = raw / mag;
    const step = (r >= 7.5 ? 10 : r >= 3.5 ? 5 : r >= 1.5 ? 2 : 1) * mag;
    const out = [];
    const first = Math.floor(lo / step + 1e-9) * step;
    for (let v = first; v <= hi + step * 0.999; v += step) out.push(+v.toFixed(10));
    return out;
  }

  // A log scale when every value is positive and they span more than fourfold, so that a run an
  // order of magnitude slower than its peers is not drawn as a flat line along the bottom.
  function logScaleFits(values) {
    const lo = Math.min(...values);
    return lo > 0 && Math.max(...values) / lo > 4;
  }

  function logTicks(lo, hi) {
    const out = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
      for (const k of [1, 2, 5]) out.push(k * Math.pow(10, e));
    }
    const first = out.filter((t) => t <= lo).pop();
    const last = out.find((t) => t >= hi);
    return out.filter((t) => t >= first && t <= last);
  }

  // ---- line chart: x in seconds, one line with a dot per point for each series ----

  function lineChart(container, spec) {
    const p = plot(container, spec.name, spec.label, spec.height || 300);
    const series = spec.series.filter((s) => s.points.length > 0);
    const all = series.flatMap((s) => s.points);
    if (all.length === 0) {
      noData(p);
      return;
    }
    const m = { left: 64, right: 18, top: 12, bottom: 44 };
    const xs = all.map((q) => q.x);
    const ys = all.map((q) => q.y);
    const xt = ticks(Math.min(...xs), Math.max(...xs), Math.max(3, Math.floor((p.width - 100) / 90)));
    const log = spec.log && logScaleFits(ys);
    const yt = log ? logTicks(Math.min(...ys), Math.max(...ys)) : ticks(Math.min(0, ...ys), Math.max(...ys), 5);
    const x0 = xt[0];
    const x1 = xt[xt.length - 1];
    const f = log ? Math.log10 : (v) => v;
    const y0 = f(yt[0]);
    const y1 = f(yt[yt.length - 1]);
    const sx = (v) => m.left + ((v - x0) / (x1 - x0)) * (p.width - m.left - m.right);
    const sy = (v) => p.height - m.bottom - ((f(v) - y0) / (y1 - y0)) * (p.height - m.top - m.bottom);
    if (log) p.svg.setAttribute('data-scale', 'log');

    for (const t of yt) {
      sv(p.svg, 'line', { class: 'grid', x1: m.left, x2: p.width - m.right, y1: sy(t), y2: sy(t) });
      sv(p.svg, 'text', { x: m.left - 8, y: sy(t) + 4, 'text-anchor': 'end' }, fmtTick(t));
    }
    const base = p.height - m.bottom;
    sv(p.svg, 'line', { class: 'axis', x1: m.left, x2: p.width - m.right, y1: base, y2: base });
    for (const t of xt) {
      sv(p.svg, 'line', { class: 'axis', x1: sx(t), x2: sx(t), y1: base, y2: base + 5 });
      sv(p.svg, 'text', { x: sx(t), y: base + 18, 'text-anchor': 'middle' }, fmtTick(t));
    }
    sv(p.svg, 'text', { class: 'axis-title', x: (m.left + p.width - m.right) / 2, y: p.height - 6, 'text-anchor': 'middle' }, spec.xTitle);
    sv(p.svg, 'text', {
      class: 'axis-title',
      transform: 'translate(14 ' + (m.top + (p.height - m.top - m.bottom) / 2) + ') rotate(-90)',
      'text-anchor': 'middle',
    }, spec.yTitle + (log ? ' (log scale)' : ''));

    let drawn = 0;
    for (const s of series) {
      const g = sv(p.svg, 'g', { 'data-series': s.label, class: s.faint ? 'faint' : null });
      const d = s.points.map((q, i) => (i ? 'L' : 'M') + sx(q.x).toFixed(1) + ' ' + sy(q.y).toFixed(1)).join(' ');
      tip(sv(g, 'path', { class: 'mark line', d, stroke: s.color, 'stroke-dasharray': s.dash || null }), s.label);
      for (const q of s.points) {
        tip(sv(g, 'circle', { class: 'mark', cx: sx(q.x).toFixed(1), cy: sy(q.y).toFixed(1), r: 2, fill: s.color }), q.tip);
        drawn++;
      }
    }
    p.svg.setAttribute('data-points', String(drawn));
  }

  // ---- horizontal bars: one row per category, one or more bars per row, its figures at the right ----

  function barChart(container, spec) {
    const rows = spec.rows;
    const barsPerRow = spec.bars.length;
    const bar = 14;
    const gap = 3;
    const band = barsPerRow * bar + (barsPerRow - 1) * gap;
    const rowHeight = band + 20;
    const m = { left: spec.labelWidth || 220, right: spec.summaryWidth || 220, top: 10, bottom: 40 };
    const height = rows.length ? m.top + m.bottom + rows.length * rowHeight : 200;
    const p = plot(container, spec.name, spec.label, height);
    const values = rows.flatMap((r) => spec.bars.map((b) => r[b.key]).concat(spec.extra ? spec.extra(r) : []));
    const finite = values.filter((v) => v !== null);
    if (rows.length === 0 || finite.length === 0) {
      noData(p);
      return;
    }
    const xt = ticks(0, Math.max(...finite) * 1.02, Math.max(3, Math.floor((p.width - m.left - m.right) / 80)));
    const x1 = xt[xt.length - 1];
    const sx = (v) => m.left + (v / x1) * (p.width - m.left - m.right);
    const bottom = p.height - m.bottom;
    for (const t of xt) {
      sv(p.svg, 'line', { class: 'grid', x1: sx(t), x2: sx(t), y1: m.top, y2: bottom });
      sv(p.svg, 'text', { x: sx(t), y: bottom + 16, 'text-anchor': 'middle' }, fmtTick(t) + (spec.tickSuffix || ''));
    }
    sv(p.svg, 'line', { class: 'axis', x1: m.left, x2: m.left, y1: m.top, y2: bottom });
    sv(p.svg, 'text', { class: 'axis-title', x: (m.left + p.width - m.right) / 2, y: p.height - 4, 'text-anchor': 'middle' }, spec.xTitle);

    let drawn = 0;
    rows.forEach((row, i) => {
      const top = m.top + i * rowHeight + 10;
      const mid = top + band / 2;
      const g = sv(p.svg, 'g', { 'data-row': row.label });
      if (i > 0) sv(g, 'line', { class: 'grid', x1: 0, x2: p.width, y1: top - 10, y2: top - 10 });
      sv(g, 'text', { class: 'category', x: m.left - 12, y: mid + 4, 'text-anchor': 'end' }, row.label);
      spec.bars.forEach((b, j) => {
        const v = row[b.key];
        if (v === null) return;
        const color = typeof b.color === 'function' ? b.color(row) : b.color;
        const w = Math.max(1.5, sx(v) - m.left);
        tip(sv(g, 'rect', { class: 'mark', x: m.left, y: top + j * (bar + gap), width: w, height: bar, rx: 2.5, fill: color }),
          row.label + ' · ' + b.label + ' ' + b.format(v));
        drawn++;
      });
      if (spec.decorate) drawn += spec.decorate(g, row, sx, top, band);
      const summary = sv(g, 'text', { class: 'value', x: p.width - m.right + 16, y: mid + 4 });
      for (const [k, part] of spec.summary(row).entries()) {
        sv(summary, 'tspan', { class: part.strong ? 'strong' : null, fill: part.color || null, dx: k ? 4 : null }, part.text);
      }
    });
    p.svg.setAttribute('data-points', String(drawn));
  }

  // ---- the sections ----

  function header(doc) {
    const machine = obj(doc.machine);
    const head = el('header', { class: 'top' },
      el('div', { class: 'kicker' }, 'Tideway benchmark report'),
      el('h1', {}, str(doc.title, 'Benchmark report')));
    const meta = el('div', { class: 'meta' });
    const add = (label, value) => {
      if (value) meta.appendChild(el('span', {}, label + ' ', el('b', {}, value)));
    };
    const at = str(doc.generatedAt, null);
    if (at) {
      const when = new Date(at);
      add('Generated', isNaN(when) ? at : when.toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC'));
    }
    const processors = num(machine.processors);
    add('Processors', processors === null ? null : String(processors));
    add('Memory', num(machine.memoryBytes) === null ? null : fmtBytes(num(machine.memoryBytes)));
    add('JVM', str(machine.jvm, null));
    add('OS', str(machine.os, null));
    head.appendChild(meta);
    const command = str(doc.command, null);
    if (command) head.appendChild(el('div', {}, el('code', { class: 'command' }, '$ ' + command)));
    return head;
  }

  function cards(runs, ratios, targets, memory) {
    const box = el('section', { class: 'cards', 'aria-label': 'Headline figures' });
    const card = (label, value, unit, sub, state) =>
      box.appendChild(el('div', { class: 'card' + (state ? ' ' + state : '') },
        el('div', { class: 'label' }, label),
        el('div', { class: 'value' }, value, unit ? el('small', {}, unit) : null),
        sub ? el('div', { class: 'sub' }, sub) : null));
    const lead = runs[0];
    if (lead) {
      card(lead.name + ' throughput', fmtRate(lead.rate), lead.unit + '/s', fmtCount(lead.measured) + ' measured');
      card(lead.name + ' p99 latency', fmt(lead.latency.p99), 'ms', 'p50 ' + fmt(lead.latency.p50) + ' ms · max ' + fmt(lead.latency.max) + ' ms');
    }
    const judged = ratios.filter((r) => r.met !== null);
    if (judged.length) {
      const met = judged.filter((r) => r.met).length;
      card('Ratios to peers on target', met + ' / ' + judged.length, null, met === judged.length ? 'all on target' : judged.length - met + ' off target', met === judged.length ? 'met' : 'missed');
    }
    const known = targets.filter((t) => t.met !== null);
    if (known.length) {
      const met = known.filter((t) => t.met).length;
      card('Targets met', met + ' / ' + known.length, null, met === known.length ? 'all met' : known.length - met + ' missed', met === known.length ? 'met' : 'missed');
    }
    if (memory.peak !== null) {
      const over = memory.limit !== null && memory.peak > memory.limit;
      card('Peak memory (' + memory.measure + ')', fmtBytes(memory.peak), null, memory.limit !== null ? 'of ' + fmtBytes(memory.limit) + ' allowed' : null, memory.limit === null ? null : over ? 'missed' : 'met');
    }
    return box;
  }

  function throughputSection(runs) {
    const section = panel('Throughput over time', 'Records completed per second of the run, one line per run that recorded a timeline.');
    const withTimeline = runs.filter((r) => r.timeline.length > 0);
    section.appendChild(legend(withTimeline.map((r) => ({ label: r.name + ' (' + r.unit + '/s)', color: r.color }))));
    const box = el('div', { class: 'chart' });
    section.appendChild(box);
    return {
      section,
      draw: () => lineChart(box, {
        name: 'throughput',
        label: 'Throughput over time, per second, for ' + (withTimeline.map((r) => r.name).join(', ') || 'no run'),
        xTitle: 'Time into the run (s)',
        yTitle: 'Records per second',
        height: 340,
        log: true,
        series: withTimeline.map((r) => ({
          label: r.name,
          color: r.color,
          points: r.timeline.filter((q) => q.rate !== null).map((q) => ({
            x: q.second, y: q.rate, tip: r.name + ' · ' + fmtTick(q.second) + ' s · ' + fmtRate(q.rate) + ' ' + r.unit + '/s',
          })),
        })),
      }),
    };
  }

  function latencySection(runs) {
    const section = panel('Latency percentiles over time', 'Per second of the run: the median, the 99th percentile and the slowest record, in milliseconds.');
    section.appendChild(legend(LATENCY.map((l) => ({ label: l.label, color: l.color, kind: l.dash ? 'dashed' : '' }))));
    const withTimeline = runs.filter((r) => r.timeline.length > 0);
    const grid = el('div', { class: withTimeline.length > 1 ? 'grid2' : '' });
    section.appendChild(grid);
    const draws = [];
    if (withTimeline.length === 0) {
      const box = el('div', { class: 'chart' });
      grid.appendChild(box);
      draws.push(() => lineChart(box, { name: 'latency', label: 'Latency over time: no run recorded a timeline', series: [] }));
    }
    for (const r of withTimeline) {
      const box = el('div', { class: 'chart' }, el('h3', {}, r.name));
      grid.appendChild(box);
      draws.push(() => lineChart(box, {
        name: 'latency-' + slug(r.name),
        label: 'Latency percentiles over time for ' + r.name + ', in milliseconds',
        xTitle: 'Time into the run (s)',
        yTitle: 'Latency (ms)',
        height: 250,
        series: LATENCY.map((l) => ({
          label: r.name + ' ' + l.label,
          color: l.color,
          dash: l.dash,
          faint: l.faint,
          points: r.timeline.filter((q) => q[l.key] !== null).map((q) => ({
            x: q.second, y: q[l.key], tip: r.name + ' · ' + fmtTick(q.second) + ' s · ' + l.label + ' ' + fmt(q[l.key]) + ' ms',
          })),
        })),
      }));
    }
    return { section, draw: () => draws.forEach((d) => d()) };
  }

  function stagesSection(stages) {
    const section = panel('Where the time goes', 'Each stage of a record\u2019s way from the HTTP response to being queryable: p50 and p99 bars, the slowest as a dot.');
    section.appendChild(legend([
      { label: 'p50', color: '#56b4e9', kind: 'box' },
      { label: 'p99', color: '#0072b2', kind: 'box' },
      { label: 'max', color: '#d55e00', kind: 'box' },
    ]));
    const box = el('div', { class: 'chart' });
    section.appendChild(box);
    const ms = (v) => fmt(v) + ' ms';
    return {
      section,
      draw: () => barChart(box, {
        name: 'stages',
        label: 'Latency by stage: p50, p99 and max in milliseconds',
        xTitle: 'Latency (ms)',
        rows: stages,
        bars: [
          { key: 'p50', label: 'p50', color: '#56b4e9', format: ms },
          { key: 'p99', label: 'p99', color: '#0072b2', format: ms },
        ],
        extra: (row) => [row.max],
        decorate: (g, row, sx, top, band) => {
          if (row.max === null) return 0;
          const x = sx(row.max);
          sv(g, 'line', { class: 'whisker', x1: sx(row.p99 !== null ? row.p99 : 0), x2: x, y1: top + band - 7, y2: top + band - 7 });
          tip(sv(g, 'circle', { class: 'mark', cx: x, cy: top + band - 7, r: 4.5, fill: '#d55e00' }), row.label + ' · max ' + ms(row.max));
          return 1;
        },
        summary: (row) => [
          { text: 'p50 ' + fmt(row.p50) },
          { text: '·' },
          { text: 'p99 ' + fmt(row.p99), strong: true },
          { text: '·' },
          { text: 'max ' + fmt(row.max) + ' ms' },
        ],
      }),
    };
  }

  function ratiosSection(ratios) {
    const section = panel('Against its peers', 'Each ratio against its target, the dashed line: green where it is met, red where it is missed.');
    section.appendChild(legend([
      { label: 'meets target', color: MET, kind: 'box' },
      { label: 'misses target', color: MISSED, kind: 'box' },
      { label: 'target', color: '#1d2430', kind: 'dashed' },
    ]));
    const box = el('div', { class: 'chart' });
    section.appendChild(box);
    const times = (v) => fmt(v) + '×';
    return {
      section,
      draw: () => barChart(box, {
        name: 'ratios',
        label: 'Ratios to peers against their targets',
        labelWidth: 300,
        xTitle: 'Ratio (×)',
        tickSuffix: '×',
        rows: ratios,
        bars: [{
          key: 'value',
          label: 'ratio',
          color: (row) => (row.met === null ? NEUTRAL : row.met ? MET : MISSED),
          format: times,
        }],
        extra: (row) => [row.target],
        decorate: (g, row, sx, top, band) => {
          if (row.target === null) return 0;
          tip(sv(g, 'line', { class: 'target', x1: sx(row.target), x2: sx(row.target), y1: top - 5, y2: top + band + 5 }),
            'target ' + (row.higherIsBetter ? '≥ ' : '≤ ') + times(row.target));
          return 0;
        },
        summary: (row) => [
          { text: times(row.value), strong: true, color: row.met === null ? null : row.met ? MET : MISSED },
          { text: row.target === null ? '' : 'target ' + (row.higherIsBetter ? '≥ ' : '≤ ') + times(row.target) },
          { text: row.met === null ? '' : row.met ? '✓ met' : '✗ missed', color: row.met === null ? null : row.met ? MET : MISSED },
        ],
      }),
    };
  }

  function table(headers, rows) {
    const head = el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)));
    const body = el('tbody');
    for (const cells of rows) {
      body.appendChild(el('tr', {}, ...cells.map((c, i) =>
        i === 0 ? el('th', { scope: 'row' }, c) : c instanceof Node && c.tagName === 'TD' ? c : el('td', {}, c))));
    }
    return el('table', {}, el('thead', {}, head), body);
  }

  function runsSection(runs) {
    const section = panel('Runs', 'Throughput over the measured part of each run; latency percentiles in milliseconds.');
    if (runs.length === 0) {
      section.appendChild(el('p', { class: 'nodata' }, 'No data: the document has no runs.'));
      return section;
    }
    const t = table(['Run', 'Throughput', 'Measured', 'Lost', 'p50', 'p95', 'p99', 'p99.9', 'max'],
      runs.map((r) => [
        r.name,
        fmtRate(r.rate) + ' ' + r.unit + '/s',
        fmtCount(r.measured),
        el('td', { class: r.lost !== null && r.lost > 0 ? 'bad' : null }, fmtCount(r.lost)),
        fmt(r.latency.p50), fmt(r.latency.p95), fmt(r.latency.p99), fmt(r.latency.p999), fmt(r.latency.max),
      ]));
    t.setAttribute('data-table', 'runs');
    section.appendChild(t);
    return section;
  }

  function targetsSection(targets) {
    const section = panel('Targets');
    if (targets.length === 0) {
      section.appendChild(el('p', { class: 'nodata' }, 'No data: the document sets no targets.'));
      return section;
    }
    const badge = (met) => el('td', {}, el('span', { class: 'badge ' + (met === null ? 'unknown' : met ? 'met' : 'missed') }, met === null ? 'not judged' : met ? 'met' : 'missed'));
    const t = table(['Target', 'Measured', 'Target', 'Result'],
      targets.map((x) => [x.name, fmt(x.value) + (x.unit ? ' ' + x.unit : ''), (x.atLeast === null ? '' : x.atLeast ? '≥ ' : '≤ ') + fmt(x.target) + (x.unit ? ' ' + x.unit : ''), badge(x.met)]));
    t.setAttribute('data-table', 'targets');
    section.appendChild(t);
    return section;
  }

  function memorySection(memory) {
    const section = panel('Memory', memory.measure === 'PSS'
      ? 'Peak proportional set size of the processes under test, what the limit is judged by: summed resident sizes count shared memory (PostgreSQL\'s buffers) once per process.'
      : 'Peak resident set size of the processes under test.');
    if (memory.peak === null && memory.processes.length === 0) {
      section.appendChild(el('p', { class: 'nodata' }, 'No data: the document has no memory figures.'));
      return section;
    }
    if (memory.peak !== null) {
      const over = memory.limit !== null && memory.peak > memory.limit;
      section.appendChild(el('div', { class: 'memory-figures' },
        el('span', {}, 'Peak ' + memory.measure + ' ', el('b', {}, fmtBytes(memory.peak))),
        memory.measure === 'PSS' && memory.rss !== null ? el('span', {}, 'RSS summed ', el('b', {}, fmtBytes(memory.rss))) : null,
        memory.limit !== null ? el('span', {}, 'Limit ', el('b', {}, fmtBytes(memory.limit))) : null));
      if (memory.limit !== null && memory.limit > 0) {
        const fill = el('div', { role: 'presentation' });
        fill.style.width = Math.min(100, (100 * memory.peak) / memory.limit).toFixed(1) + '%';
        fill.style.background = over ? MISSED : MET;
        section.appendChild(el('div', { class: 'meter', role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': String(memory.limit), 'aria-valuenow': String(memory.peak), 'aria-label': 'Peak memory against its limit' }, fill));
        section.appendChild(el('div', { class: 'memory-figures' }, el('span', {}, fmt((100 * memory.peak) / memory.limit, 0) + '% of the limit')));
      }
    }
    if (memory.processes.length) {
      const t = table(['Process', 'Peak RSS'], memory.processes.map((p) => [p.name, fmtBytes(p.peak)]));
      t.setAttribute('data-table', 'memory');
      t.style.marginTop = '10px';
      section.appendChild(t);
    }
    return section;
  }

  function footer(doc) {
    const raw = el('pre', {}, JSON.stringify(doc, null, 2));
    return el('footer', {},
      el('div', {}, 'The figures on this page are read from ', el('a', { href: 'report.json' }, 'report.json'), ', written beside it.'),
      el('details', {}, el('summary', {}, 'Raw JSON'), raw));
  }

  // ---- the page ----

  function read(doc) {
    const runs = arr(doc.runs).map((r, i) => {
      r = obj(r);
      const latency = obj(r.latencyMs);
      return {
        name: str(r.name, 'run ' + (i + 1)),
        unit: str(r.unit, 'records'),
        color: PALETTE[i % PALETTE.length],
        rate: num(r.recordsPerSecond),
        measured: num(r.recordsMeasured),
        lost: num(r.recordsLost),
        latency: {
          p50: num(latency.p50), p95: num(latency.p95), p99: num(latency.p99),
          p999: num(latency.p999), max: num(latency.max),
        },
        timeline: arr(r.timeline).map(obj).filter((q) => num(q.second) !== null).map((q) => ({
          second: q.second, rate: num(q.recordsPerSecond), p50: num(q.p50), p99: num(q.p99), max: num(q.max),
        })),
      };
    });
    const stages = arr(doc.stages).map((s, i) => {
      s = obj(s);
      return { label: str(s.stage, 'stage ' + (i + 1)), p50: num(s.p50), p99: num(s.p99), max: num(s.max) };
    });
    const ratios = arr(doc.ratios).map((r, i) => {
      r = obj(r);
      const value = num(r.value);
      const target = num(r.target);
      const higherIsBetter = r.higherIsBetter !== false;
      const met = value === null || target === null ? null : higherIsBetter ? value >= target : value <= target;
      return { label: str(r.name, 'ratio ' + (i + 1)), value, target, higherIsBetter, met };
    });
    const targets = arr(doc.targets).map((t, i) => {
      t = obj(t);
      return { name: str(t.name, 'target ' + (i + 1)), value: num(t.value), target: num(t.target), atLeast: typeof t.atLeast === 'boolean' ? t.atLeast : null, unit: str(t.unit, ''), met: typeof t.met === 'boolean' ? t.met : null };
    });
    const m = obj(doc.memory);
    // Judged by PSS where the document has it, as the benchmark judges its target.
    const pss = num(m.peakPssBytes);
    const memory = {
      peak: pss !== null ? pss : num(m.peakRssBytes),
      measure: pss !== null ? 'PSS' : 'RSS',
      rss: num(m.peakRssBytes),
      limit: num(m.limitBytes),
      processes: arr(m.processes).map(obj).map((p, i) => ({ name: str(p.name, 'process ' + (i + 1)), peak: num(p.peakRssBytes) })),
    };
    return { runs, stages, ratios, targets, memory };
  }

  function render(doc) {
    const root = document.getElementById('report');
    const data = read(doc);
    if (typeof doc.title === 'string') document.title = doc.title;
    root.appendChild(header(doc));
    const headline = cards(data.runs, data.ratios, data.targets, data.memory);
    if (headline.childElementCount) root.appendChild(headline);
    const charts = [
      throughputSection(data.runs),
      latencySection(data.runs),
      stagesSection(data.stages),
      ratiosSection(data.ratios),
    ];
    for (const c of charts) root.appendChild(c.section);
    root.appendChild(runsSection(data.runs));
    root.appendChild(el('div', { class: 'row' }, targetsSection(data.targets), memorySection(data.memory)));
    root.appendChild(footer(doc));
    // Drawn once the sections are laid out, so each chart knows its width.
    for (const c of charts) {
      try {
        c.draw();
      } catch (e) {
        showError(e);
      }
    }
  }

  try {
    const text = document.getElementById('report-data').textContent;
    const doc = JSON.parse(text);
    render(obj(doc));
  } catch (e) {
    showError(e);
  }
})();
