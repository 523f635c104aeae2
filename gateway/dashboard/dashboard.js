// Hostgraph's status dashboard: plain JavaScript against the public API, live over GraphQL-over-SSE
// subscriptions (no polling). A dropped stream reconnects by itself; task events resume with
// `after: <last seq seen>`, so a reconnect misses none and repeats none.
(() => {
  'use strict';
  const settings = window.HOSTGRAPH_DASHBOARD || {};
  const keyMetric = settings.keyMetric || 'load.load.shortterm';
  const $ = (id) => document.getElementById(id);
  const FINAL_TASK = ['SUCCEEDED', 'FAILED', 'CANCELLED'];
  const FINAL_EVENT = { TASK_SUCCEEDED: 'SUCCEEDED', TASK_FAILED: 'FAILED', TASK_CANCELLED: 'CANCELLED' };
  const TASK = 'id kind siteId state progress lastSeq createdAt finishedAt error { code message step } steps { name state } site { name }';

  let token = localStorage.getItem('hostgraph-token') || settings.devToken || '';
  let streams = [];
  const sites = new Map();
  const tasks = new Map();
  const failures = new Map();

  const headers = (extra) => ({ 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra });
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const escape = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const status = (text) => ($('status').textContent = text);

  async function gql(query, variables = {}) {
    const response = await fetch('/graphql', { method: 'POST', headers: headers({ accept: 'application/json' }), body: JSON.stringify({ query, variables }) });
    const body = await response.json();
    if (body.errors && body.errors.length) throw Object.assign(new Error(body.errors[0].message), { code: body.errors[0].extensions && body.errors[0].extensions.code });
    return body.data;
  }

  /**
   * One subscription over SSE (fetch, since EventSource cannot send a token). `variables()` is asked
   * at every (re)connection, `onReconnect` told of each one after the first; `onError` hears a
   * refusal, after which it does not reconnect.
   */
  function subscribe(query, variables, onData, { onError, onComplete, onReconnect } = {}) {
    const stream = { closed: false, controller: null, close() { this.closed = true; this.controller && this.controller.abort(); } };
    streams.push(stream);
    (async () => {
      let connections = 0;
      for (let attempt = 0; !stream.closed; attempt++) {
        stream.controller = new AbortController();
        try {
          const response = await fetch('/graphql', {
            method: 'POST',
            headers: headers({ accept: 'text/event-stream' }),
            body: JSON.stringify({ query, variables: variables() }),
            signal: stream.controller.signal,
          });
          if (response.status === 401 || response.status === 403) {
            stream.closed = true;
            return onError && onError(new Error(`HTTP ${response.status}`));
          }
          if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
          attempt = 0;
          status('live');
          if (connections++ > 0 && onReconnect) onReconnect();
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const event = (/^event: ?(.*)$/m.exec(block) || [])[1];
              const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.replace(/^data: ?/, '')).join('\n');
              if (event === 'complete') {
                stream.closed = true;
                return onComplete && onComplete();
              }
              if (!data) continue;
              const payload = JSON.parse(data);
              if (payload.errors && payload.errors.length) {
                stream.closed = true;
                return onError && onError(Object.assign(new Error(payload.errors[0].message), { code: payload.errors[0].extensions && payload.errors[0].extensions.code }));
              }
              onData(payload.data);
            }
          }
        } catch (error) {
          if (stream.closed) return;
        }
        if (stream.closed) return;
        // The stream broke off without completing (network, gateway restart): connect again.
        status('reconnecting…');
        await sleep(Math.min(5000, 250 * 2 ** attempt));
      }
    })();
    return stream;
  }

  // ── Rendering ───────────────────────────────────────────────────────────────────────────────
  let scheduled = false;
  const render = () => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      renderSites();
      renderTasks();
      renderFailures();
    });
  };

  function sparkline(points) {
    if (points.length < 2) return '<span class="empty">no data yet</span>';
    const values = points.map((point) => point.value);
    const min = Math.min(...values);
    const span = Math.max(...values) - min || 1;
    const step = 140 / (points.length - 1);
    const line = values.map((value, i) => `${(i * step).toFixed(1)},${(26 - ((value - min) / span) * 24).toFixed(1)}`).join(' ');
    return `<svg class="spark" viewBox="0 0 140 28"><polyline points="${line}"/></svg> <span class="step">${values[values.length - 1].toFixed(2)}</span>`;
  }

  function renderSites() {
    const rows = [...sites.values()].sort((a, b) => a.name.localeCompare(b.name));
    $('sites-empty').hidden = rows.length > 0;
    $('sites').innerHTML = rows
      .map((site) => `<tr data-site-id="${escape(site.id)}"><td>${escape(site.name)}</td><td><span class="state ${escape(site.state)}">${escape(site.state)}</span></td><td>${sparkline(site.points)}</td></tr>`)
      .join('');
  }

  function renderTasks() {
    const rows = [...tasks.values()].sort((a, b) => (FINAL_TASK.includes(a.state) - FINAL_TASK.includes(b.state)) || b.createdAt.localeCompare(a.createdAt)).slice(0, 15);
    $('tasks-empty').hidden = rows.length > 0;
    $('tasks').innerHTML = rows
      .map((task) => {
        const percent = Math.round(task.progress * 100);
        const site = sites.get(task.siteId);
        const step = FINAL_TASK.includes(task.state) ? task.state.toLowerCase() : task.step || 'waiting';
        return `<tr class="task" data-task-id="${escape(task.id)}" data-state="${escape(task.state)}" data-progress="${percent}">
          <td>${escape(task.kind)}<div class="step">${escape((site && site.name) || task.siteName || task.siteId.slice(0, 8))}</div></td>
          <td><div class="bar ${escape(task.state)}"><div style="width:${percent}%"></div></div><span class="percent">${percent}%</span> <span class="step step-name">${escape(step)}</span></td>
          <td><span class="state ${escape(task.state)}">${escape(task.state)}</span></td></tr>`;
      })
      .join('');
  }

  function renderFailures() {
    const rows = [...failures.values()].sort((a, b) => (b.finishedAt || '').localeCompare(a.finishedAt || '')).slice(0, 10);
    $('failures-empty').hidden = rows.length > 0;
    $('failures').innerHTML = rows
      .map((task) => `<tr data-task-id="${escape(task.id)}"><td class="step">${escape((task.finishedAt || '').replace('T', ' ').slice(0, 19))}</td><td>${escape(task.kind)}</td>
        <td>${escape(task.siteName || task.siteId.slice(0, 8))}</td><td class="error">${escape(task.error ? `${task.error.code}: ${task.error.message}` : 'failed')}</td></tr>`)
      .join('');
  }

  // ── State ───────────────────────────────────────────────────────────────────────────────────
  function rememberTask(view) {
    const known = tasks.get(view.id);
    const task = Object.assign(known || { step: null, following: false }, view, { siteName: (view.site && view.site.name) || (known && known.siteName) });
    // Events may be ahead of a task update that arrives late: progress never goes back.
    if (known) task.progress = Math.max(known.progress, view.progress);
    tasks.set(task.id, task);
    if (task.state === 'FAILED') failures.set(task.id, task);
    if (!FINAL_TASK.includes(task.state)) followTask(task);
    render();
    return task;
  }

  /** The task's events from the last one seen: a reconnect asks for `after` that, and misses nothing. */
  function followTask(task) {
    if (task.following) return;
    task.following = true;
    task.seq = task.seq || 0;
    subscribe(
      'subscription ($taskId: ID!, $after: Int!) { taskEvents(taskId: $taskId, after: $after) { seq type progress step message } }',
      () => ({ taskId: task.id, after: task.seq }),
      ({ taskEvents: event }) => {
        if (event.seq <= task.seq) return;
        task.seq = event.seq;
        task.progress = Math.max(task.progress, event.progress);
        if (event.step) task.step = event.step;
        if (FINAL_EVENT[event.type]) {
          task.state = FINAL_EVENT[event.type];
          task.finishedAt = new Date().toISOString();
          if (task.state === 'SUCCEEDED') task.progress = 1;
          refreshSite(task.siteId);
          // A failure is shown with its error, which only the task itself has.
          if (task.state === 'FAILED') gql(`query ($id: ID!) { task(id: $id) { ${TASK} } }`, { id: task.id }).then(({ task: view }) => rememberTask(view), () => {});
        } else if (task.state === 'QUEUED' && event.type !== 'TASK_QUEUED') task.state = 'RUNNING';
        render();
      },
      { onComplete: () => (task.following = false), onError: () => (task.following = false) },
    );
  }

  async function refreshSite(siteId) {
    try {
      const { site } = await gql(`query ($id: ID!) { site(id: $id) { id name state } }`, { id: siteId });
      const known = sites.get(siteId);
      if (known) Object.assign(known, site);
      else addSite(site);
    } catch (error) {
      if (error.code === 'NOT_FOUND') sites.delete(siteId);
    }
    render();
  }

  async function addSite(site) {
    const entry = { ...site, points: [] };
    sites.set(site.id, entry);
    render();
    const to = new Date();
    const from = new Date(to.getTime() - 3600_000);
    try {
      const { site: answer } = await gql(
        'query ($id: ID!, $names: [String!]!, $from: DateTimeISO!, $to: DateTimeISO!) { site(id: $id) { metrics(names: $names, from: $from, to: $to, step: 60) { points { at value } } } }',
        { id: site.id, names: [keyMetric], from: from.toISOString(), to: to.toISOString() },
      );
      const series = answer.metrics[0];
      if (series) entry.points = series.points.map((point) => ({ at: point.at, value: point.value })).concat(entry.points).slice(-60);
    } catch (error) {
      // A site without metrics still shows its state.
    }
    subscribe(
      'subscription ($siteId: ID!, $names: [String!]) { metricUpdates(siteId: $siteId, names: $names) { samples { at value } } }',
      () => ({ siteId: site.id, names: [keyMetric] }),
      ({ metricUpdates }) => {
        entry.points = entry.points.concat(metricUpdates.samples.map((sample) => ({ at: sample.at, value: sample.value }))).slice(-60);
        render();
      },
    );
    render();
  }

  function watchTaskUpdates(siteId) {
    subscribe(
      `subscription ($siteId: ID) { taskUpdated(siteId: $siteId) { ${TASK.replace(' site { name }', '')} } }`,
      () => ({ siteId: siteId || null }),
      ({ taskUpdated }) => {
        rememberTask(taskUpdated);
        if (!sites.has(taskUpdated.siteId) || FINAL_TASK.includes(taskUpdated.state)) refreshSite(taskUpdated.siteId);
      },
      {
        // Live only: what changed while the stream was down is read once, then the stream goes on.
        onReconnect: () => catchUp(),
        // Only platform admins may follow every site; everyone else follows their sites one by one.
        onError: (error) => {
          if (!siteId && error.code === 'BAD_USER_INPUT') for (const id of sites.keys()) watchTaskUpdates(id);
        },
      },
    );
  }

  const OVERVIEW = `query Dashboard {
    sites(first: 100) { edges { node { id name state } } }
    running: tasks(filter: { state: RUNNING }, first: 50) { edges { node { ${TASK} } } }
    queued: tasks(filter: { state: QUEUED }, first: 50) { edges { node { ${TASK} } } }
    failed: tasks(filter: { state: FAILED }, first: 10) { edges { node { ${TASK} } } }
  }`;

  /** Sites and tasks as they are now, merged into what the page shows. */
  async function catchUp() {
    const data = await gql(OVERVIEW);
    for (const { node } of data.sites.edges) {
      const known = sites.get(node.id);
      if (known) Object.assign(known, node);
      else addSite(node);
    }
    for (const list of [data.failed, data.queued, data.running]) for (const { node } of list.edges) rememberTask(node);
    render();
  }

  async function signIn() {
    for (const stream of streams) stream.close();
    streams = [];
    sites.clear();
    tasks.clear();
    failures.clear();
    render();
    status('signing in…');
    try {
      await catchUp();
      watchTaskUpdates(null);
      localStorage.setItem('hostgraph-token', token);
      status('live');
    } catch (error) {
      status(`refused: ${error.message}`);
    }
  }

  $('token').value = token;
  $('metric-heading').textContent = keyMetric;
  $('sign-in').addEventListener('click', () => {
    token = $('token').value.trim();
    signIn();
  });
  $('token').addEventListener('keydown', (event) => event.key === 'Enter' && $('sign-in').click());
  if (token) signIn();
})();
