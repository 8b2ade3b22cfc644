// The gluster-eventing dashboard: the cluster's state, the webhooks'
// health and a live list of events, kept current by the daemon's event
// stream (GET v1/events/stream, server-sent events) with no polling.
//
// Plain JavaScript and standard APIs (fetch, streams, TextDecoderStream,
// URLSearchParams), no framework and no build step. The stream is read with
// fetch rather than EventSource: EventSource hides the HTTP status (a 410
// "cursor too old" or a 401 look like any network error) and delivers a
// named event ("event: BRICK_DISCONNECTED") only to a listener for that
// name. It resumes like EventSource does: Last-Event-ID set to the id of the
// last event seen, the server's retry: delay, and a fresh connection when
// nothing, not even a keep-alive, arrived for a while.
'use strict';

(() => {
  const MAX_EVENTS = Number(document.body.dataset.maxEvents) || 500;
  // Events that can change the state table (internal/state applies them):
  // each makes the page fetch v1/state again.
  const STATE_EVENT = /^(BRICK|VOLUME|PEER|QUORUM|AFR|EC|SVC)_/;
  const FILTER_KEYS = ['type', 'category', 'severity', 'volume', 'node', 'filter'];
  const STATE_DELAY = 50; // ms to wait for more events before fetching v1/state
  const STATUS_DELAY = 250; // likewise for v1/status
  const STALL_MS = 45000; // the daemon sends a keep-alive every 15 s
  const RETRY_MIN = 1000;
  const RETRY_MAX = 30000;
  const HISTORY = 100; // events of each node shown from before the page loaded

  const $ = (id) => document.getElementById(id);

  // h builds an element: h('li', {class: 'x', 'data-id': 1}, 'text', child).
  // Text goes in as text nodes, never as HTML.
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const short = (uuid) => (uuid || '').replace(/-/g, '').slice(0, 8);

  // A cursor is "<node8>.<epoch8>.<seq>" per origin node, joined by ",".
  function parseCursor(s) {
    const m = new Map();
    for (const part of (s || '').split(',')) {
      const f = part.trim().split('.');
      if (f.length === 3 && /^\d+$/.test(f[2])) m.set(f[0], {epoch: f[1], seq: Number(f[2])});
    }
    return m;
  }

  function formatCursor(m) {
    return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([n, p]) => `${n}.${p.epoch}.${p.seq}`).join(',');
  }

  // backCursor is cursor moved back n events on every origin.
  function backCursor(cursor, n) {
    const m = parseCursor(cursor);
    for (const p of m.values()) p.seq = Math.max(0, p.seq - n);
    return formatCursor(m);
  }

  // laterCursor is, per origin, the later position of a and b (b's where
  // the epochs differ: b is the daemon's word for what it holds).
  function laterCursor(a, b) {
    const m = parseCursor(a);
    for (const [n, p] of parseCursor(b)) {
      const q = m.get(n);
      if (!q || q.epoch !== p.epoch || q.seq < p.seq) m.set(n, p);
    }
    return formatCursor(m);
  }

  function pad(n) { return String(n).padStart(2, '0'); }

  // clock formats a time as HH:MM:SS, with the date when it is not today.
  function clock(d) {
    if (!(d instanceof Date) || isNaN(d)) return '?';
    const t = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    const now = new Date();
    if (d.toDateString() === now.toDateString()) return t;
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${t}`;
  }

  function ago(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d) || d.getFullYear() < 2000) return '';
    const s = Math.round((Date.now() - d) / 1000);
    if (s < 60) return `${Math.max(s, 0)} s ago`;
    if (s < 3600) return `${Math.round(s / 60)} min ago`;
    if (s < 86400) return `${Math.round(s / 3600)} h ago`;
    return clock(d);
  }

  // until says when a future time comes: "in 12 s", "in 3 min".
  function until(iso) {
    const d = new Date(iso);
    if (!iso || isNaN(d)) return '';
    const s = Math.round((d - Date.now()) / 1000);
    if (s <= 0) return 'now';
    if (s < 60) return `in ${s} s`;
    if (s < 3600) return `in ${Math.round(s / 60)} min`;
    if (s < 86400) return `in ${Math.round(s / 3600)} h`;
    return 'at ' + clock(d);
  }

  class HTTPError extends Error {
    constructor(status, body, text) {
      const msg = (body && (body.error || body.message)) || text || `HTTP ${status}`;
      super(msg);
      this.status = status;
      this.body = body;
      this.hint = body && body.hint;
    }
  }

  async function errorOf(res) {
    const text = await res.text().catch(() => '');
    let body = null;
    try { body = JSON.parse(text); } catch (e) { /* not JSON */ }
    return new HTTPError(res.status, body, text.trim().split('\n')[0]);
  }

  // api fetches a path of the daemon's API (relative to the page). A 401
  // shows the sign-in form; any other failure is an HTTPError.
  async function api(path, opts) {
    const res = await fetch(new URL(path, document.baseURI), {cache: 'no-store', credentials: 'same-origin', ...opts});
    if (res.status === 401) {
      needLogin();
      throw await errorOf(res);
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  // Coalescer runs an async job at most once at a time: triggers during the
  // delay or while the job runs make one more run, not one each.
  class Coalescer {
    constructor(job, delay) {
      this.job = job;
      this.delay = delay;
      this.timer = null;
      this.running = null;
      this.again = false;
    }
    trigger() {
      if (this.running) { this.again = true; return; }
      if (this.timer === null) this.timer = setTimeout(() => this.run(), this.delay);
    }
    // now runs the job without the delay and resolves when it has run.
    now() {
      if (this.timer !== null) { clearTimeout(this.timer); this.timer = null; }
      if (this.running) { this.again = true; return this.running; }
      return this.run();
    }
    run() {
      this.timer = null;
      this.running = (async () => {
        try {
          await this.job();
        } catch (e) {
          if (e.status !== 401) console.warn('dashboard:', e);
        } finally {
          this.running = null;
          if (this.again) { this.again = false; this.trigger(); }
        }
      })();
      return this.running;
    }
  }

  // SSEParser turns the text of an event stream into messages, as the
  // WHATWG event-stream interpretation does.
  class SSEParser {
    constructor(onMessage, onRetry) {
      this.onMessage = onMessage;
      this.onRetry = onRetry;
      this.buf = '';
      this.data = [];
      this.type = '';
      this.id = null;
    }
    push(chunk) {
      this.buf += chunk;
      for (;;) {
        const i = this.buf.search(/[\r\n]/);
        if (i < 0) return;
        if (this.buf[i] === '\r' && i === this.buf.length - 1) return; // maybe \r\n split across chunks
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(this.buf[i] === '\r' && this.buf[i + 1] === '\n' ? i + 2 : i + 1);
        this.line(line);
      }
    }
    line(line) {
      if (line === '') {
        const msg = {type: this.type || 'message', data: this.data.join('\n'), id: this.id, hasData: this.data.length > 0};
        this.data = [];
        this.type = '';
        this.onMessage(msg);
        return;
      }
      if (line[0] === ':') return; // a comment: a keep-alive
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let value = c < 0 ? '' : line.slice(c + 1);
      if (value[0] === ' ') value = value.slice(1);
      switch (field) {
        case 'data': this.data.push(value); break;
        case 'event': this.type = value; break;
        case 'id': if (!value.includes('\0')) this.id = value; break;
        case 'retry': if (/^\d+$/.test(value)) this.onRetry(Number(value)); break;
      }
    }
  }

  const sleep = (ms, signal) => new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, {once: true});
  });

  // Stream is one subscription to v1/events/stream with query params,
  // resumed from its cursor after every disconnect.
  class Stream {
    constructor(params, handlers) {
      this.params = params;
      this.h = handlers; // onEvent(ev), onOpen(), onGone(body), onFatal(err), onState()
      this.cursor = '';
      this.retry = 2000;
      this.state = 'connecting';
      this.error = '';
      this.retryAt = 0;
      this.reconnects = 0;
      this.goneBody = null;
      this.history = false; // the first request reaches back for recent events
      this.stop = new AbortController();
    }
    start(cursor, history) {
      this.cursor = cursor || '';
      this.history = !!history;
      this.loop();
    }
    close() { this.stop.abort(); }
    setState(s, err) {
      this.state = s;
      this.error = err || '';
      this.h.onState();
    }
    url() {
      const u = new URL('v1/events/stream', document.baseURI);
      for (const [k, v] of this.params) u.searchParams.set(k, v);
      return u;
    }
    async loop() {
      let backoff = RETRY_MIN;
      let first = true;
      let gone = 0; // 410s in a row
      while (!this.stop.signal.aborted) {
        const conn = new AbortController();
        const abort = () => conn.abort();
        this.stop.signal.addEventListener('abort', abort, {once: true});
        let opened = false;
        let err = '';
        try {
          this.setState(first ? 'connecting' : 'reconnecting');
          const headers = {Accept: 'text/event-stream'};
          if (this.cursor) headers['Last-Event-ID'] = this.cursor;
          const res = await fetch(this.url(), {headers, cache: 'no-store', credentials: 'same-origin', signal: conn.signal});
          if (res.status === 401) {
            needLogin();
            return;
          }
          if (res.status === 410) {
            const e = await errorOf(res);
            // A second 410 in a row (the state's own cursor is gone
            // already) waits like a failure instead of spinning.
            if (gone++ > 0) {
              this.setState('retrying', e.message);
              await sleep(backoff, this.stop.signal);
              backoff = Math.min(backoff * 2, RETRY_MAX);
            }
            this.cursor = await this.h.onGone(e.body || {}, this);
            first = false;
            continue;
          }
          gone = 0;
          if (!res.ok || !res.body) {
            const e = await errorOf(res);
            // A request the daemon refuses (a bad filter) stays refused.
            if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
              this.setState('failed', e.message);
              this.h.onFatal(e);
              return;
            }
            throw e;
          }
          opened = true;
          first = false;
          this.history = false;
          backoff = RETRY_MIN;
          this.setState('live');
          this.h.onOpen(this);
          await this.read(res.body, conn);
          if (this.goneBody) {
            const body = this.goneBody;
            this.goneBody = null;
            this.cursor = await this.h.onGone(body, this);
            continue;
          }
          err = 'the daemon closed the stream';
        } catch (e) {
          if (this.stop.signal.aborted) return;
          err = e.name === 'AbortError' ? 'no data for ' + (STALL_MS / 1000) + ' s' : (e.message || String(e));
        } finally {
          this.stop.signal.removeEventListener('abort', abort);
        }
        const wait = (opened ? this.retry : backoff) * (0.8 + 0.4 * Math.random());
        if (!opened) backoff = Math.min(backoff * 2, RETRY_MAX);
        this.reconnects++;
        this.retryAt = Date.now() + wait;
        this.setState('retrying', err);
        await sleep(wait, this.stop.signal);
      }
    }
    async read(body, conn) {
      const reader = body.pipeThrough(new TextDecoderStream()).getReader();
      let stall = null;
      const kick = () => {
        clearTimeout(stall);
        stall = setTimeout(() => conn.abort(), STALL_MS);
      };
      const parser = new SSEParser((msg) => this.message(msg), (ms) => { this.retry = ms; });
      kick();
      try {
        for (;;) {
          const {value, done} = await reader.read();
          if (done) return;
          kick();
          parser.push(value);
        }
      } finally {
        clearTimeout(stall);
      }
    }
    message(msg) {
      if (msg.id !== null) this.cursor = msg.id;
      if (!msg.hasData) return;
      if (msg.type === 'gone') {
        // The stream fell behind the journal's retention; the daemon
        // closes it after this message.
        try { this.goneBody = JSON.parse(msg.data); } catch (e) { this.goneBody = {}; }
        return;
      }
      let ev;
      try {
        ev = JSON.parse(msg.data);
      } catch (e) {
        console.warn('dashboard: undecodable stream message', msg);
        return;
      }
      if (ev && typeof ev.event === 'string' && ev.seq !== undefined) this.h.onEvent(ev);
    }
  }

  // The page's state.
  const app = {
    filters: new URLSearchParams(),
    streams: [], // [list stream, watch stream (only with a filter)]
    state: null,
    status: null,
    hosts: new Map(), // node UUID -> hostname
    pending: [], // events not rendered yet
    flushTimer: null,
    received: 0,
    stopped: false,
  };

  // ---- notices and the connection indicator

  function notice(text) {
    $('notice-text').textContent = text;
    $('notice').hidden = false;
  }

  function connState() {
    const el = $('conn');
    if (app.stopped) return;
    const list = app.streams[0];
    let s = list ? list.state : 'connecting';
    let text = {connecting: 'connecting…', reconnecting: 'reconnecting…', live: 'live', failed: 'stopped'}[s] || s;
    if (s === 'retrying') {
      const secs = Math.max(1, Math.round((list.retryAt - Date.now()) / 1000));
      text = `disconnected — retrying in ${secs} s`;
    }
    el.dataset.state = s;
    el.className = 'conn conn-' + s;
    el.textContent = text;
    el.title = list && list.error ? list.error : '';
  }

  // ---- state table

  function brickHealth(b, vol) {
    if (b.online) return ['ok', 'online'];
    if (vol && vol.status !== 'Started') return ['unknown', 'offline (volume ' + (vol.status || 'not started').toLowerCase() + ')'];
    return ['down', 'offline'];
  }

  function peerHealth(p) {
    if (p.self) return ['ok', 'this node'];
    if (p.connected) return ['ok', p.state || 'connected'];
    return ['down', 'disconnected' + (p.state ? ' — ' + p.state : '')];
  }

  const isAddr = (s) => /^[0-9.]+$/.test(s) || s.includes(':');

  // peerName is what an operator calls a peer: glusterd's hostname, or,
  // when the pool knows it by address only, a name its bricks use.
  function peerName(p, bricks) {
    if (p.self) return selfName(p);
    const names = [p.hostname, ...(p.hostnames || [])].filter((n) => n && !isAddr(n));
    if (names.length) return names[0];
    const b = (bricks || []).find((b) => b.host_uuid === p.uuid && b.hostname && !isAddr(b.hostname));
    return b ? b.hostname : p.hostname;
  }

  function hostOf(uuid) {
    return app.hosts.get(uuid) || short(uuid);
  }

  function renderState(s) {
    app.state = s;
    app.hosts = new Map();
    for (const p of s.peers || []) app.hosts.set(p.uuid, peerName(p, s.bricks));
    document.body.dataset.stateSeq = String(s.seq ?? '');

    const st = $('state-status');
    const why = s.status || (s.glusterd === 'stopped' ? 'glusterd is not running' : '');
    st.hidden = !why;
    st.textContent = why ? why + (s.reconciled && !s.reconciled.startsWith('0001') ? ` (last answer ${ago(s.reconciled)})` : '') : '';

    const peers = (s.peers || []).map((p) => {
      const [health, label] = peerHealth(p);
      const name = peerName(p, s.bricks);
      return h('li', {class: 'peer health-' + health, 'data-peer': p.uuid, 'data-health': health,
        title: p.uuid + (name !== p.hostname && !p.self ? ' · ' + p.hostname : '')},
        h('span', {class: 'dot', 'aria-hidden': 'true'}),
        h('span', {class: 'name'}, name),
        h('small', {}, label));
    });
    $('peers').replaceChildren(...(peers.length ? peers : [h('li', {class: 'empty'}, 'no peers known')]));
    renderForwarding();
    // The node filter offers the peers: their UUIDs, labelled by name.
    $('nodes').replaceChildren(...(s.peers || []).map((p) => h('option', {value: p.uuid, label: peerName(p, s.bricks)})));

    const bricks = new Map((s.bricks || []).map((b) => [b.id, b]));
    const vols = (s.volumes || []).map((v) => renderVolume(v, bricks));
    $('volumes').replaceChildren(...(vols.length ? vols : [h('p', {class: 'empty'}, s.glusterd === 'running' ? 'no volumes' : 'no volumes known')]));
    reEvents();
    healthTitle();
  }

  // healthTitle puts what is wrong in the tab's title, so a tab in the
  // background still tells.
  function healthTitle() {
    const n = (sel) => document.querySelectorAll(sel).length;
    const bad = [
      [n('#volumes .volume.health-down'), 'volume down', 'volumes down'],
      [n('#volumes .volume.health-degraded'), 'volume degraded', 'volumes degraded'],
      [n('#volumes .brick.health-down'), 'brick down', 'bricks down'],
      [n('#peers .peer.health-down'), 'peer disconnected', 'peers disconnected'],
    ].filter(([c]) => c > 0).map(([c, one, many]) => `${c} ${c === 1 ? one : many}`);
    const self = app.state && (app.state.peers || []).find((p) => p.self);
    document.title = (bad.length ? '⚠ ' + bad.join(', ') + ' — ' : '') + 'Gluster eventing' + (self ? ' · ' + selfName(self) : '');
  }

  // selfName is this node's name: glusterd calls itself "localhost", so
  // the name its peers or its bricks use, when there is one.
  function selfName(p) {
    const names = (p.hostnames || []).filter((n) => n && n !== 'localhost');
    if (names.length) return names[0];
    if (p.hostname && p.hostname !== 'localhost') return p.hostname;
    const b = ((app.state && app.state.bricks) || []).find((b) => b.host_uuid === p.uuid && b.hostname && b.hostname !== 'localhost');
    return b ? b.hostname : 'this node';
  }

  function renderVolume(v, bricks) {
    const health = ['ok', 'degraded', 'down'].includes(v.health) ? v.health : 'unknown';
    const size = v.disperse_count > 0 ? v.disperse_count : v.replica_count > 1 ? v.replica_count : 0;
    const ids = v.bricks || [];
    const sets = [];
    for (let i = 0; i < ids.length; i += size || ids.length) sets.push(ids.slice(i, i + (size || ids.length)));
    const shape = v.disperse_count > 0 ? `${v.disperse_count - v.redundancy_count}+${v.redundancy_count}` :
      v.replica_count > 1 ? `replica ${v.replica_count}${v.arbiter_count ? ` arbiter ${v.arbiter_count}` : ''}` : '';
    return h('article', {class: 'volume health-' + health, 'data-volume': v.name, 'data-health': health},
      h('header', {},
        h('h4', {}, v.name),
        h('span', {class: 'badge'}, health)),
      h('p', {class: 'meta'}, [v.type, shape, v.status, `${v.online_brick_count}/${v.brick_count} bricks online`].filter(Boolean).join(' · ')),
      sets.map((set) => h('ul', {class: 'brickset'}, set.map((id) => {
        const b = bricks.get(id) || {id, volume: v.name, path: id, online: false};
        const [bh, label] = brickHealth(b, v);
        return h('li', {class: 'brick health-' + bh, 'data-brick-id': b.id, 'data-health': bh, title: b.id},
          h('span', {class: 'dot', 'aria-hidden': 'true'}),
          h('span', {class: 'name'}, `${b.hostname || hostOf(b.host_uuid)}:${b.path}`),
          h('small', {}, label + (b.arbiter ? ' · arbiter' : '')));
      }))));
  }

  // apiProblem shows (or, with err null, clears) what went wrong reading
  // one part of the API, with the daemon's hint.
  const problems = new Map();
  function apiProblem(what, err) {
    if (err && err.status === 401) return;
    if (err) problems.set(what, `Cannot read ${what}: ${err.message}${err.hint ? ' — hint: ' + err.hint : ''}`);
    else problems.delete(what);
    const el = $('api-error');
    el.textContent = [...problems.values()].join(' · ');
    el.hidden = problems.size === 0;
  }

  const stateJob = new Coalescer(async () => {
    try {
      const res = await api('v1/state');
      const s = await res.json();
      s.cursor = s.cursor || res.headers.get('X-Gluster-Eventing-Cursor') || '';
      renderState(s);
      apiProblem('the cluster state', null);
    } catch (e) {
      apiProblem('the cluster state', e);
      throw e;
    }
  }, STATE_DELAY);

  // ---- status: webhooks and counters

  function webhookHealth(w) {
    switch (w.state) {
      case 'ok': return 'ok';
      case 'retrying': return 'degraded';
      case 'stopped': return 'down';
      default: return 'unknown';
    }
  }

  // renderForwarding says, on each peer's row, whether its events reach
  // this node (node-to-node forwarding), from the last status.
  function renderForwarding() {
    const fw = app.status && app.status.forwarding;
    const line = $('forward-status');
    line.hidden = !(fw && fw.state !== 'on');
    line.textContent = fw && fw.state !== 'on' ?
      `Event forwarding is off${fw.reason ? ': ' + fw.reason : ''} — the list shows this node's events only.` : '';
    const byNode = new Map(((fw && fw.state === 'on' && fw.peers) || []).map((p) => [p.node, p]));
    for (const li of document.querySelectorAll('#peers li.peer')) {
      li.querySelector('.fwd')?.remove();
      const p = byNode.get(li.dataset.peer);
      if (!p) continue;
      const lag = (p.origins || []).reduce((n, o) => n + (o.lag || 0), 0);
      const ok = p.connected;
      li.append(h('small', {class: 'fwd ' + (ok ? 'fwd-ok' : 'fwd-down'), 'data-forwarding': ok ? 'ok' : 'down', title: p.address || ''},
        ok ? (lag ? `events: ${lag} behind` : 'events: forwarded') :
          `events not reaching this node${p.error ? ': ' + p.error : ''}`));
    }
  }

  // deliveryCard is one webhook's or notifier's delivery health and
  // counters.
  function deliveryCard(w, attr, meta, lastStatus) {
    const health = webhookHealth(w);
    const counters = [
      ['delivered', w.delivered], ['failed', w.failed], ['retried', w.retried],
      ['queued', w.queue_depth], ['dead letters', w.dead_letters],
    ];
    const detail = [];
    if (w.failing_since) detail.push(`failing since ${ago(w.failing_since)}`);
    if (w.last_status) detail.push(lastStatus);
    if (w.last_error) detail.push(w.last_error);
    if (w.next_attempt && health !== 'ok') detail.push(`next attempt ${until(w.next_attempt)}`);
    return h('article', {class: 'webhook health-' + health, [attr]: w.id, 'data-health': health},
      h('header', {},
        h('h4', {}, w.name || w.id),
        h('span', {class: 'badge'}, w.state || 'unknown')),
      h('p', {class: 'meta'}, h('span', {class: 'url'}, meta[0]), ' · ', meta[1]),
      h('dl', {class: 'nums'}, counters.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {'data-counter': k}, String(v ?? 0))))),
      detail.length ? h('p', {class: 'detail'}, detail.join(' · ')) : null);
  }

  function renderStatus(st) {
    app.status = st;
    renderForwarding();
    $('node').textContent = `${selfLabel(st)} · ${st.version || ''}`;
    $('node').title = 'node ' + (st.node_id || '?');

    const hooks = (st.webhooks || []).map((w) => deliveryCard(w, 'data-webhook', [w.url, w.format], `last answer HTTP ${w.last_status}`));
    $('webhooks').replaceChildren(...(hooks.length ? hooks : [h('p', {class: 'empty'}, 'no webhooks (gluster-eventing webhook-add URL)')]));
    // Notifiers (exec, email, SNMP) run on the same delivery machinery.
    const notifiers = (st.notifiers || []).map((n) => deliveryCard(n, 'data-notifier', [n.kind, n.target], `last status ${n.last_status}`));
    $('notifiers-h').hidden = notifiers.length === 0;
    $('notifiers').replaceChildren(...notifiers);

    const i = st.intake || {};
    const j = st.journal || {};
    const rejected = Object.values(i.rejected || {}).reduce((a, b) => a + b, 0);
    const rows = [
      ['datagrams received', i.received], ['accepted', i.accepted], ['journaled', i.journaled],
      ['rejected', rejected], ['journal seq', j.last_seq], ['journal records', j.records],
      ['events on this page', app.received], ['stream reconnects', 0],
    ];
    $('counters').replaceChildren(...rows.map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {'data-counter': k}, String(v ?? 0)))));
    pageCounters();
  }

  // pageCounters updates the counters the page keeps itself.
  function pageCounters() {
    const set = (k, v) => {
      const el = document.querySelector(`#counters [data-counter="${k}"]`);
      if (el) el.textContent = String(v);
    };
    set('events on this page', app.received);
    set('stream reconnects', app.streams.reduce((n, s) => n + s.reconnects, 0));
  }

  function selfLabel(st) {
    const self = app.state && (app.state.peers || []).find((p) => p.self);
    return self ? selfName(self) : 'node ' + short(st.node_id);
  }

  const statusJob = new Coalescer(async () => {
    try {
      const res = await api('v1/status');
      renderStatus(await res.json());
      apiProblem('the daemon status', null);
    } catch (e) {
      apiProblem('the daemon status', e);
      throw e;
    }
  }, STATUS_DELAY);

  // ---- events

  function onEvent(ev, fromList) {
    if (STATE_EVENT.test(ev.event)) stateJob.trigger();
    statusJob.trigger();
    if (!fromList) return;
    app.received++;
    queueRow(ev);
  }

  function queueRow(ev) {
    app.pending.push(ev);
    if (app.pending.length > MAX_EVENTS) app.pending.splice(0, app.pending.length - MAX_EVENTS);
    if (app.flushTimer === null) app.flushTimer = setTimeout(flush, 30);
  }

  function eventRow(ev) {
    if (ev.gap) return h('li', {class: 'gap', role: 'separator'}, `events missed here (${clock(new Date())})`);
    const sev = ev.severity || 'info';
    const when = ev.ts ? new Date(ev.ts * 1000) : new Date(ev.received);
    const msg = Object.entries(ev.message || {}).map(([k, v]) =>
      h('span', {class: 'kv'}, h('b', {}, k), '=', v));
    return h('li', {class: `ev sev-${sev} cat-${ev.category || 'unknown'}`, 'data-event': ev.event, 'data-node': ev.node,
      'data-seq': ev.seq, 'data-cursor': ev.cursor, 'data-severity': sev},
    h('time', {datetime: when.toISOString(), title: 'received ' + (ev.received || '?') + (ev.source ? ' from ' + ev.source : '')}, clock(when)),
    h('span', {class: 'ev-node', title: ev.node}, hostOf(ev.node)),
    h('span', {class: 'ev-name'}, ev.event),
    h('span', {class: 'ev-tags'}, h('span', {class: 'tag'}, ev.category || 'unknown'), sev !== 'info' ? h('span', {class: 'tag sev'}, sev) : null),
    h('span', {class: 'ev-msg'}, msg));
  }

  function flush() {
    app.flushTimer = null;
    if (!app.pending.length) return;
    const list = $('event-list');
    const frag = document.createDocumentFragment();
    for (let i = app.pending.length - 1; i >= 0; i--) frag.append(eventRow(app.pending[i]));
    app.pending = [];
    list.prepend(frag);
    while (list.children.length > MAX_EVENTS) list.lastElementChild.remove();
    list.dataset.cursor = app.streams[0] ? app.streams[0].cursor : '';
    eventsInfo();
    pageCounters();
  }

  function eventsInfo() {
    const f = describeFilters();
    const n = $('event-list').querySelectorAll('li.ev').length;
    $('events-info').textContent = `${n} event${n === 1 ? '' : 's'}${f ? ' matching ' + f : ''}, newest first; the last ${MAX_EVENTS} are kept.`;
  }

  // reEvents renames the nodes of the rows shown, once hostnames are known.
  function reEvents() {
    for (const el of document.querySelectorAll('#event-list .ev-node')) el.textContent = hostOf(el.title);
  }

  // ---- filters

  function describeFilters() {
    return [...app.filters].map(([k, v]) => (k === 'filter' ? v : `${k}:${v}`)).join(' ');
  }

  function readFilters(params) {
    const out = new URLSearchParams();
    for (const k of FILTER_KEYS) {
      const v = (params.get(k) || '').trim();
      if (v) out.set(k, v);
    }
    return out;
  }

  function fillForm() {
    const form = $('filters');
    for (const k of FILTER_KEYS) form.elements[k].value = app.filters.get(k) || '';
  }

  function applyFilters(params) {
    app.filters = readFilters(params);
    const u = new URL(location.href);
    u.search = app.filters.toString();
    history.replaceState(null, '', u);
    $('filter-error').hidden = true;
    $('event-list').replaceChildren();
    app.pending = [];
    eventsInfo();
    restart(app.state && app.state.cursor, true);
  }

  // ---- streams

  // restart (re)opens the streams from cursor ('' = from now): the list
  // stream with the filters, and, when there are filters, an unfiltered
  // watch stream whose events only refresh the tables (an event the
  // filter hides still changes the state and the counters).
  function restart(cursor, history) {
    for (const s of app.streams) s.close();
    app.streams = [];
    if (app.stopped) return;
    const filtered = [...app.filters].length > 0;
    const handlers = (isList) => ({
      onEvent: (ev) => onEvent(ev, isList),
      onOpen: () => { if (isList) { stateJob.now(); statusJob.now(); } },
      onGone: (body, s) => gone(body, s, isList),
      onFatal: (e) => {
        if (!isList) return;
        $('filter-error').textContent = e.message + (e.hint ? ' — hint: ' + e.hint : '');
        $('filter-error').hidden = false;
      },
      onState: connState,
    });
    const list = new Stream(app.filters, handlers(true));
    app.streams.push(list);
    if (filtered) app.streams.push(new Stream(new URLSearchParams(), handlers(false)));
    list.start(history && cursor ? backCursor(cursor, HISTORY) : cursor, history && !!cursor);
    if (app.streams[1]) app.streams[1].start(cursor);
  }

  // gone handles a 410: the stream's position is no longer in the journal
  // (the page was away longer than the retention, or the journal was
  // replaced). The page re-reads the state and goes on from now.
  async function gone(body, stream, isList) {
    if (stream.history) {
      // Reaching back for recent events went past what the journal
      // keeps: start at the oldest it has instead, quietly.
      stream.history = false;
      if (body.oldest) return laterCursor(stream.cursor, body.oldest);
    }
    if (isList) {
      queueRow({gap: true});
      notice('Events were missed: the stream position this page had is older than what the daemon still keeps' +
        (body.oldest ? ` (oldest now: ${body.oldest})` : '') +
        '. The tables show the current state; the list goes on from now.');
    }
    try {
      await stateJob.now();
      await statusJob.now();
    } catch (e) { /* reported by the jobs */ }
    return (app.state && app.state.cursor) || '';
  }

  // ---- sign-in

  function needLogin() {
    if (app.stopped) return;
    app.stopped = true;
    for (const s of app.streams) s.close();
    app.streams = [];
    $('main').hidden = true;
    $('login').hidden = false;
    const el = $('conn');
    el.dataset.state = 'signed-out';
    el.className = 'conn conn-signed-out';
    el.textContent = 'signed out';
    $('token').focus();
  }

  async function login(ev) {
    ev.preventDefault();
    const err = $('login-error');
    err.textContent = '';
    const token = $('token').value.trim();
    try {
      const res = await fetch(new URL('v1/login', document.baseURI), {
        method: 'POST', cache: 'no-store', credentials: 'same-origin',
        body: new URLSearchParams({token}), // a form body: application/x-www-form-urlencoded
      });
      if (!res.ok) {
        const e = await errorOf(res);
        err.textContent = res.status === 401 || res.status === 403 ? 'The daemon did not accept this token.' : e.message;
        return;
      }
      const body = await res.json().catch(() => ({}));
      $('logout').hidden = body.auth !== 'token';
    } catch (e) {
      err.textContent = 'Cannot reach the daemon: ' + e.message;
      return;
    }
    $('token').value = '';
    $('login').hidden = true;
    $('main').hidden = false;
    app.stopped = false;
    boot();
  }

  async function logout() {
    try {
      await fetch(new URL('v1/logout', document.baseURI), {method: 'POST', cache: 'no-store', credentials: 'same-origin'});
    } catch (e) { /* signed out here all the same */ }
    $('logout').hidden = true;
    needLogin();
  }

  // ---- start

  async function boot() {
    await Promise.all([stateJob.now(), statusJob.now()]);
    if (app.stopped) return;
    restart(app.state && app.state.cursor, true);
  }

  function init() {
    $('notice-close').addEventListener('click', () => { $('notice').hidden = true; });
    $('login').addEventListener('submit', login);
    $('logout').addEventListener('click', logout);
    $('filters').addEventListener('submit', (ev) => {
      ev.preventDefault();
      applyFilters(new FormData($('filters')));
    });
    $('filters-clear').addEventListener('click', () => {
      $('filters').reset();
      applyFilters(new URLSearchParams());
    });
    // The retry countdown and the "ago" times; no request is made.
    setInterval(() => {
      if (app.streams[0] && app.streams[0].state === 'retrying') connState();
    }, 1000);
    app.filters = readFilters(new URLSearchParams(location.search));
    fillForm();
    eventsInfo();
    boot();
  }

  init();
})();
