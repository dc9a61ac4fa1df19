// argocd-mcp-gateway console: live totals, search, presets, saving, connection test, preview and activity.
// Plain script, no build step and no dependencies; the page works (read-only) without it.
(() => {
  'use strict';
  const state = JSON.parse(document.getElementById('console-state').textContent);
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const fmt = (n) => Number(n).toLocaleString('en-US');
  const boxes = $$('input[name="tool"]');
  const groups = $$('.group');
  const toolsetOf = new Map(state.groups.flatMap((g) => g.tools.map((t) => [t.name, g.toolset])));
  const tokensOf = new Map(state.groups.flatMap((g) => g.tools.map((t) => [t.name, t.tokens])));

  let saved = '';

  // ---------- helpers ----------
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else if (k === 'text') node.textContent = v;
      else node.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  async function api(path, body) {
    const res = await fetch(path, {
      method: body ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json', 'x-console-token': state.token },
      body: body ? JSON.stringify(body) : undefined,
    });
    let data;
    try {
      data = await res.json();
    } catch {
      data = { error: `${res.status} ${res.statusText}` };
    }
    if (!res.ok) throw new Error(data.error || `${res.status} ${res.statusText}`);
    return data;
  }

  let toastTimer;
  function toast(text, isError = false) {
    const t = $('#toast');
    t.textContent = text;
    t.className = `toast show${isError ? ' error' : ''}`;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => (t.className = 'toast'), isError ? 8000 : 4500);
  }

  const selection = () => boxes.filter((b) => b.checked).map((b) => b.value);
  // A workflow is served only with the tools it calls: ticking it ticks them, unticking one of them unticks it.
  const requiresOf = new Map(state.groups.flatMap((g) => g.tools.filter((t) => t.requires && t.requires.length).map((t) => [t.name, t.requires])));
  const boxOf = new Map(boxes.map((b) => [b.value, b]));
  function keepWorkflowsWhole(changed) {
    for (const [name, requires] of requiresOf) {
      const box = boxOf.get(name);
      if (!box || !box.checked) continue;
      if (changed.includes(name)) {
        for (const r of requires) if (boxOf.has(r)) boxOf.get(r).checked = true;
      } else if (requires.some((r) => !boxOf.has(r) || !boxOf.get(r).checked)) box.checked = false;
    }
  }
  const mode = () => ($('input[name="mode"]:checked') || { value: 'static' }).value;
  const chosenToolsets = () => $$('input[name="toolset"]:checked').map((b) => b.value);
  const requestBody = () => ({ selected: selection(), mode: mode(), toolsets: chosenToolsets() });
  function snapshot() {
    return JSON.stringify([selection().sort(), mode(), mode() === 'toolsets' ? chosenToolsets() : null]);
  }

  // ---------- tabs ----------
  const tabs = $$('[role="tab"]');
  function selectTab(tab, focus = false) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !on;
    }
    if (focus) tab.focus();
    $('#toast').className = 'toast';
    const id = tab.getAttribute('aria-controls');
    history.replaceState(null, '', `#${id}`);
    if (id === 'preview') refreshPreview();
    if (id === 'activity') startActivity();
  }
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab));
    tab.addEventListener('keydown', (e) => {
      const i = tabs.indexOf(tab);
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      selectTab(tabs[(next + tabs.length) % tabs.length], true);
    });
  }

  // ---------- totals ----------
  const budgetInput = $('#budget');
  const storedBudget = Number(localStorage.getItem('argocd-mcp-console-budget'));
  if (storedBudget >= 500) budgetInput.value = String(storedBudget);
  budgetInput.addEventListener('input', () => {
    if (Number(budgetInput.value) >= 500) localStorage.setItem('argocd-mcp-console-budget', budgetInput.value);
    update();
  });

  function advertised() {
    const m = mode();
    if (m === 'dynamic') return { tools: state.dynamicBase.tools, tokens: state.dynamicBase.tokens, reachable: selection().length };
    const sets = m === 'toolsets' ? new Set(chosenToolsets()) : null;
    const names = selection().filter((n) => !sets || sets.has(toolsetOf.get(n)));
    return { tools: names.length, tokens: names.reduce((s, n) => s + tokensOf.get(n), 0), reachable: names.length };
  }

  function setMeter(meter, fraction, level, now, max) {
    meter.querySelector('.fill').style.width = `${Math.min(100, Math.max(0, fraction * 100))}%`;
    meter.classList.toggle('warn', level === 'warn');
    meter.classList.toggle('bad', level === 'bad');
    meter.setAttribute('aria-valuenow', String(now));
    if (max) meter.setAttribute('aria-valuemax', String(max));
  }

  function updateTotals() {
    const a = advertised();
    const { cursorTools, openaiTools } = state.limits;
    const budget = Math.max(500, Number(budgetInput.value) || state.limits.tokenBudget);
    const toolLevel = a.tools > openaiTools ? 'bad' : a.tools > cursorTools ? 'warn' : 'ok';
    const tokenLevel = a.tokens > budget ? 'bad' : a.tokens > budget * 0.8 ? 'warn' : 'ok';
    setMeter($('#tools-meter'), a.tools / (openaiTools * 1.25), toolLevel, a.tools);
    setMeter($('#tokens-meter'), a.tokens / (budget * 1.25), tokenLevel, a.tokens, budget);
    $('#tools-meter').setAttribute('aria-valuetext', `${a.tools} tools`);
    $('#tokens-meter').setAttribute('aria-valuetext', `${a.tokens} tokens of a ${budget} token budget`);
    $('#tools-total').textContent = `${fmt(a.tools)} tools`;
    $('#tokens-total').textContent = `${fmt(a.tokens)} tokens`;
    const notes = [];
    if (mode() === 'dynamic') notes.push(`Dynamic mode: ${a.tools} meta-tools in tools/list; ${fmt(a.reachable)} selected tools reachable through search_tools and call_tool.`);
    else if (mode() === 'toolsets') notes.push(`Toolsets mode: ${fmt(a.tools)} of ${fmt(selection().length)} selected tools are in the ticked toolsets.`);
    if (toolLevel === 'bad') notes.push(`Over ${openaiTools} tools: OpenAI models accept at most ${openaiTools} functions.`);
    else if (toolLevel === 'warn') notes.push(`Over ${cursorTools} tools: Cursor warns and may drop some.`);
    if (tokenLevel === 'bad') notes.push(`Over your budget of ${fmt(budget)} tokens, sent with every request the agent makes.`);
    if (!notes.length) notes.push(`Within the limits: ${fmt(a.tools)} tools, ${fmt(a.tokens)} tokens with every request.`);
    const note = $('#totals-note');
    note.textContent = notes.join(' ');
    note.className = `totals-note ${toolLevel === 'bad' || tokenLevel === 'bad' ? 'bad' : toolLevel === 'warn' || tokenLevel === 'warn' ? 'warn' : ''}`;
  }

  function updateGroups() {
    for (const g of groups) {
      const rows = $$('tbody tr', g);
      const own = rows.map((r) => r.querySelector('input[name="tool"]'));
      const chosen = own.filter((b) => b.checked);
      const visible = rows.filter((r) => !r.hidden).map((r) => r.querySelector('input[name="tool"]'));
      const toggle = $('.group-toggle', g);
      const visibleChosen = visible.filter((b) => b.checked).length;
      toggle.checked = visible.length > 0 && visibleChosen === visible.length;
      toggle.indeterminate = visibleChosen > 0 && visibleChosen < visible.length;
      $('[data-role="chosen"]', g).textContent = String(chosen.length);
      $('[data-role="tokens"]', g).textContent = fmt(chosen.reduce((s, b) => s + Number(b.dataset.tokens), 0));
      for (const r of rows) r.classList.toggle('on', r.querySelector('input[name="tool"]').checked);
    }
  }

  function update() {
    updateGroups();
    updateTotals();
    const dirty = snapshot() !== saved;
    $('#dirty').textContent = dirty ? 'Unsaved changes' : '';
    $('#toolset-picker').disabled = mode() !== 'toolsets';
    schedulePreview();
  }

  // ---------- endpoints ----------
  // Positions come from data attributes: the CSP allows no inline style attributes.
  for (const mark of $$('.mark[data-at]')) mark.style.left = `${mark.dataset.at}%`;
  $('#tools-form').addEventListener('submit', (e) => e.preventDefault());
  $('#tools-form').addEventListener('change', (e) => {
    const target = e.target;
    if (target.classList.contains('group-toggle')) {
      const g = target.closest('.group');
      const shown = $$('tbody tr', g).filter((r) => !r.hidden).map((r) => r.querySelector('input[name="tool"]'));
      for (const b of shown) b.checked = target.checked;
      keepWorkflowsWhole(shown.map((b) => b.value));
    } else if (target.name === 'tool') keepWorkflowsWhole([target.value]);
    update();
  });

  $('#search').addEventListener('input', (e) => {
    const words = e.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const g of groups) {
      let any = false;
      for (const r of $$('tbody tr', g)) {
        const hit = words.every((w) => r.dataset.search.includes(w));
        r.hidden = !hit;
        if (hit) {
          any = true;
          shown++;
        }
      }
      g.hidden = !any;
    }
    $('#search-status').textContent = words.length ? `${shown} tools match` : '';
    updateGroups();
  });

  for (const button of $$('button[data-preset]')) {
    button.addEventListener('click', () => {
      const preset = state.presets.find((p) => p.id === button.dataset.preset);
      const chosen = new Set(preset ? preset.tools : []);
      for (const b of boxes) b.checked = chosen.has(b.value);
      update();
      toast(preset ? `Preset "${preset.label}": ${chosen.size} tools selected.` : 'Selection cleared.');
    });
  }

  // ---------- saving ----------
  const dialog = $('#save-dialog');
  let plan;
  function renderDiff(diff) {
    const pre = $('#save-diff');
    pre.replaceChildren();
    if (!diff) {
      pre.append(el('span', { text: 'No changes: the file already gives exactly this selection.' }));
      return;
    }
    for (const line of diff.replace(/\n$/, '').split('\n')) {
      const cls = line.startsWith('@@') ? 'hunk' : line.startsWith('+') && !line.startsWith('+++') ? 'add' : line.startsWith('-') && !line.startsWith('---') ? 'del' : '';
      pre.append(el('span', { class: cls, text: line }));
    }
  }
  function saveBody() {
    const body = requestBody();
    if ($('#save-connection').checked) body.connection = { url: $('#conn-url').value, tokenFile: $('input[name="auth"]:checked')?.value === 'file' ? $('#conn-token-file').value : '' };
    return body;
  }
  $('#save').addEventListener('click', async () => {
    const button = $('#save');
    button.disabled = true;
    try {
      plan = await api('/api/plan', saveBody());
      const e = plan.entries;
      const summary = $('#save-summary');
      summary.replaceChildren(
        el('p', {}, `${plan.exists ? 'Update' : 'Create'} `, el('code', { text: plan.file }), `: ${fmt(plan.exposed)} tools exposed${e.readOnly ? ', read-only' : ''}; `,
          `${e.allow.length} allow ${e.allow.length === 1 ? 'entry' : 'entries'}${e.deny.length ? ` and ${e.deny.length} deny` : ''}.${plan.exists ? ` The current file is kept as ${plan.file.split('/').pop()}.bak.` : ''}`),
      );
      if (!plan.matches) summary.append(el('p', { class: 'notice warn', text: 'The file would not expose exactly the selection; please report this.' }));
      renderDiff(plan.diff);
      $('#save-error').hidden = true;
      $('#save-confirm').disabled = !plan.diff;
      dialog.showModal();
    } catch (err) {
      toast(`Cannot save: ${err.message}`, true);
    } finally {
      button.disabled = false;
    }
  });
  $('#save-confirm').addEventListener('click', async () => {
    const button = $('#save-confirm');
    button.disabled = true;
    try {
      const done = await api('/api/save', { ...saveBody(), baseHash: plan.baseHash });
      dialog.close();
      saved = snapshot();
      update();
      toast(`Saved ${done.file}: ${fmt(done.exposed)} tools.${done.backup ? ` The previous file is ${done.backup}.` : ''}`);
      $('#dirty').textContent = 'Saved';
      const fresh = $('.top .badge.new');
      if (fresh) fresh.remove();
    } catch (err) {
      const box = $('#save-error');
      box.textContent = err.message;
      box.hidden = false;
      button.disabled = false;
    }
  });

  // ---------- connection ----------
  $('#connection-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const button = $('#test-connection');
    const out = $('#connection-result');
    const kind = ($('input[name="auth"]:checked') || { value: 'token' }).value;
    const auth = kind === 'token' ? { kind, token: $('#conn-token').value } : kind === 'file' ? { kind, tokenFile: $('#conn-token-file').value } : { kind };
    button.disabled = true;
    button.textContent = 'Testing…';
    out.replaceChildren(el('p', { text: 'Asking Argo CD…' }));
    try {
      const result = await api('/api/connection', { ...requestBody(), url: $('#conn-url').value, auth });
      out.replaceChildren(
        el('p', { class: 'verdict', text: result.ok ? 'Connection works.' : 'Connection failed.' }),
        el('ul', {}, ...result.lines.map((l) => el('li', { class: l.level, text: l.text }))),
      );
      out.dataset.ok = String(result.ok);
    } catch (err) {
      out.replaceChildren(el('p', { class: 'notice error', text: err.message }));
      out.dataset.ok = 'false';
    } finally {
      button.disabled = false;
      button.textContent = 'Test connection';
    }
  });
  for (const input of [$('#conn-token'), $('#conn-token-file')]) {
    input.addEventListener('input', () => {
      const radio = $(`input[name="auth"][value="${input.id === 'conn-token' ? 'token' : 'file'}"]`);
      radio.checked = true;
    });
  }

  // ---------- preview ----------
  let previewTimer;
  let previewSeq = 0;
  function schedulePreview() {
    if ($('#preview').hidden) return;
    clearTimeout(previewTimer);
    previewTimer = setTimeout(refreshPreview, 250);
  }
  $('#preview-form').addEventListener('change', update);
  async function refreshPreview() {
    const seq = ++previewSeq;
    const summary = $('#preview-summary');
    summary.textContent = 'Listing tools…';
    try {
      const p = await api('/api/preview', requestBody());
      if (seq !== previewSeq) return;
      const label = { static: 'static', dynamic: 'dynamic' }[p.mode];
      summary.textContent = `tools/list (${label}${mode() === 'toolsets' ? ', ticked toolsets' : ''}): ${fmt(p.count)} tools, ${fmt(p.tokens)} tokens, ${fmt(p.bytes)} bytes.` +
        (p.mode === 'dynamic' ? ` ${fmt(p.reachable)} selected tools are reachable through search_tools and call_tool.` : '');
      const list = $('#preview-list');
      list.replaceChildren(
        ...p.tools.map((tool) => {
          const kind = tool.annotations && tool.annotations.readOnlyHint ? 'read' : tool.annotations && tool.annotations.destructiveHint ? 'destructive' : 'write';
          const d = el('details', { 'data-tool': tool.name },
            el('summary', {}, el('code', { text: tool.name }), el('span', { class: `badge ${kind}`, text: kind === 'read' ? 'read-only' : kind }), el('span', { class: 'desc', text: tool.description || '' }),
              tokensOf.has(tool.name) ? el('span', { class: 'num', text: `${fmt(tokensOf.get(tool.name))} tokens` }) : null),
            el('pre', {}));
          d.addEventListener('toggle', () => {
            if (d.open && !d.lastChild.textContent) d.lastChild.textContent = JSON.stringify(tool, null, 2);
          });
          return d;
        }),
      );
    } catch (err) {
      if (seq === previewSeq) summary.textContent = `Cannot list tools: ${err.message}`;
    }
  }

  // ---------- activity ----------
  let activityStarted = false;
  const rowsById = new Map();
  function activityRow(entry) {
    const time = new Date(entry.time).toLocaleTimeString('en-GB');
    const size = entry.resultBytes === undefined ? '' : entry.resultBytes < 1024 ? `${entry.resultBytes} B` : `${(entry.resultBytes / 1024).toFixed(1)} KB`;
    return el('tr', { 'data-id': String(entry.id), 'data-outcome': entry.outcome },
      el('td', { text: time }),
      el('td', {}, el('code', { text: entry.tool }), entry.method ? ` ${entry.method}` : ''),
      el('td', { text: entry.target || '' }),
      el('td', {}, el('span', { class: `outcome ${entry.outcome}`, text: entry.outcome + (entry.status ? ` (${entry.status})` : '') }), entry.message ? el('span', { class: 'message', text: entry.message }) : null),
      el('td', { class: 'num', text: entry.ms === undefined ? '' : `${fmt(entry.ms)} ms` }),
      el('td', { class: 'num', text: size }),
      el('td', { text: entry.who || '' }));
  }
  function showEntry(entry) {
    const body = $('#activity-table tbody');
    const empty = $('tr.empty', body);
    if (empty) empty.remove();
    const row = activityRow(entry);
    const old = rowsById.get(entry.id);
    if (old) old.replaceWith(row);
    else body.prepend(row);
    rowsById.set(entry.id, row);
    while (body.rows.length > 200) {
      const last = body.rows[body.rows.length - 1];
      rowsById.delete(Number(last.dataset.id));
      last.remove();
    }
  }
  async function startActivity() {
    if (activityStarted || !state.gateway) return;
    activityStarted = true;
    try {
      const { entries } = await api('/api/activity');
      for (const e of entries) showEntry(e);
    } catch (err) {
      toast(`Cannot read the activity: ${err.message}`, true);
    }
    const source = new EventSource('/api/activity/stream');
    source.addEventListener('call', (e) => showEntry(JSON.parse(e.data)));
  }

  // ---------- start ----------
  const initial = tabs.find((t) => `#${t.getAttribute('aria-controls')}` === location.hash);
  if (initial) selectTab(initial);
  saved = snapshot();
  update();
  document.documentElement.dataset.ready = 'true';
})();
