// Commons Sense nodes for Node-RED. They talk to a village gateway over its HTTP API only, so the
// same nodes work inside the gateway (npm start) and in a stand-alone Node-RED on the village
// network: install this folder with `npm install <path>` in ~/.node-red. CommonJS because
// Node-RED loads node files with require().
"use strict";

/**
 * GET or POST JSON against the gateway; errors carry the gateway's code and message. Writes
 * authenticate as the gateway's own flows (token) or with the config node's account (a
 * stand-alone Node-RED), and name the dashboard account they act for.
 */
async function call(gateway, path, body, actingFor) {
  const auth = gateway.token
    ? { authorization: `Bearer ${gateway.token}` }
    : gateway.credentials && gateway.credentials.account
      ? { authorization: `Basic ${Buffer.from(`${gateway.credentials.account}:${gateway.credentials.password || ""}`).toString("base64")}` }
      : {};
  const res = await fetch(`${gateway.url.replace(/\/$/, "")}/api${path}`, body === undefined
    ? {}
    : { method: "POST", headers: { "content-type": "application/json", ...auth, ...(actingFor ? { "x-cs-account": actingFor } : {}) }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(json.message || `HTTP ${res.status}`);
    err.code = json.code;
    err.status = res.status;
    throw err;
  }
  return json;
}

/**
 * A GET that the dashboards' nodes share: they poll on the same ticks, and some forty identical
 * requests at once (each /reserves working out every figure) held the gateway's event loop for
 * tens of milliseconds, alerts included. Within a second, one answer serves every node asking;
 * each gets its own copy, so a flow that changes what it received changes nobody else's.
 */
const SHARED_GET_MS = 1000;
async function get(gateway, path) {
  if (!gateway.shared) gateway.shared = new Map();
  let hit = gateway.shared.get(path);
  if (!hit || Date.now() - hit.at >= SHARED_GET_MS) {
    hit = { at: Date.now(), answer: call(gateway, path) };
    gateway.shared.set(path, hit);
    const mine = hit;
    // A failure is not kept: the next tick asks again.
    mine.answer.catch(() => gateway.shared.get(path) === mine && gateway.shared.delete(path));
  }
  return structuredClone(await hit.answer);
}

/**
 * Whether `value` differs from what this node last sent on `key`. A poll that finds nothing new
 * sends nothing: every message goes to every connected phone, and forty unchanged widgets at each
 * tick, times thirty phones, held the gateway's event loop (the dashboard keeps each widget's last
 * message for pages opened later).
 */
function changed(node, key, value) {
  if (!node.lastSent) node.lastSent = new Map();
  const shown = JSON.stringify(value);
  if (node.lastSent.get(key) === shown) return false;
  node.lastSent.set(key, shown);
  return true;
}

/** Runs `tick` now and every `seconds`, reporting the node's state under it. */
function poll(node, seconds, tick) {
  let stopped = false;
  const run = async () => {
    try {
      await tick();
    } catch (err) {
      node.status({ fill: "red", shape: "ring", text: err.message.slice(0, 60) });
    }
  };
  const timer = setInterval(run, Math.max(1, Number(seconds) || 10) * 1000);
  setImmediate(() => !stopped && run());
  node.on("close", () => {
    stopped = true;
    clearInterval(timer);
  });
}

/** Points a phone draws without stalling, however long the range. */
const CHART_POINTS = 500;
/** A chart's bucket: the range in CHART_POINTS steps, in whole minutes. */
function bucketMs(hours) {
  return Math.max(60_000, Math.ceil((hours * 3_600_000) / CHART_POINTS / 60_000) * 60_000);
}

/**
 * A quantity as a volunteer reads it: litres past 1,000 in kL, energy in kWh, food energy in
 * kcal with the person-days it feeds at the village's norm.
 */
function amountInWords(q, norms) {
  const n = (x, digits) => x.toLocaleString("en-GB", { maximumFractionDigits: digits });
  if (q.unit === "L") return q.amount >= 1000 ? `${n(q.amount / 1000, 1)} kL` : `${n(q.amount, 0)} L`;
  if (q.unit === "Wh") return q.amount >= 1000 ? `${n(q.amount / 1000, 1)} kWh` : `${n(q.amount, 0)} Wh`;
  if (q.unit === "kcal") {
    const perDay = norms && norms.foodKcalPerPersonDay;
    const kcal = q.amount >= 1e6 ? `${n(q.amount / 1e6, 2)} M kcal` : `${n(q.amount, 0)} kcal`;
    return perDay ? `${kcal} (${n(q.amount / perDay, 0)} person-days)` : kcal;
  }
  return `${n(q.amount, 1)} ${q.unit}`;
}

/** A reading's age in words: "40 s", "17 min", "3 h". */
function ago(ms) {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 3_600_000)} h`;
}

/**
 * A write from a dashboard (msg._client) needs a logged-in account with write permission when the
 * gateway asks for it; writes from flows themselves (no _client) were authored in the editor,
 * behind its login. Returns the account acted for, or throws with what to do.
 */
function writer(gateway, msg) {
  const client = msg._client;
  if (!gateway.loginForWrites || !client) return client && client.account;
  if (!client.account) throw new Error("log in first (Log in, at the foot of the page), then try again");
  if (client.permissions !== "*") throw new Error(`account ${client.account} may only read`);
  return client.account;
}

module.exports = function (RED) {
  function GatewayNode(config) {
    RED.nodes.createNode(this, config);
    this.url = config.url || "http://127.0.0.1:1880";
    this.token = config.token || "";
    this.loginForWrites = config.loginForWrites === true || config.loginForWrites === "true";
  }
  RED.nodes.registerType("cs-gateway", GatewayNode, { credentials: { account: { type: "text" }, password: { type: "password" } } });

  /** A sensor's latest reading; with `historyHours`, first the stored history for a chart. */
  function ReadingNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    const sensor = config.sensor;
    if (!gateway || !sensor) return void this.status({ fill: "red", shape: "dot", text: "gateway and sensor needed" });
    // Chart mode: points { x: time, y: value }, first the stored history (so a chart is full
    // right after a restart), then each new reading. The history is the mean of each bucket, summed
    // up in the store: a season of 10-second readings is 800,000 rows a sensor, never moved here.
    // Estimates (a reserve figure resting on a stale sensor or a norm) are a series of their own,
    // "<sensor> (estimate)", and a bucket holding any estimate counts as one: never drawn as measured.
    const hours = Number(config.historyHours) || 0;
    const estimated = `${sensor} (estimate)`;
    if (hours > 0) {
      const to = Date.now();
      const every = bucketMs(hours);
      call(gateway, `/readings?sensor=${encodeURIComponent(sensor)}&from=${to - hours * 3_600_000}&to=${to}&every=${every}`).then(
        ({ buckets }) => {
          for (const [topic, part] of [[sensor, buckets.filter((b) => !b.estimates)], [estimated, buckets.filter((b) => b.estimates)]]) {
            // An empty array would clear the chart's other series too (ui-chart's "clear" message).
            if (part.length) this.send({ topic, history: true, payload: part.map((b) => ({ x: b.ts, y: b.mean })) });
          }
        },
        (err) => this.status({ fill: "red", shape: "ring", text: err.message.slice(0, 60) }),
      );
    }
    let last;
    poll(this, config.interval, async () => {
      const rows = await get(gateway, "/latest");
      const r = rows.find((x) => x.sensor === sensor);
      if (!r) return void this.status({ fill: "yellow", shape: "ring", text: "no reading yet" });
      // A board that died sends nothing new: the same reading turning stale must still be shown.
      if (last && last.ts === r.ts && last.stale === r.stale) return;
      last = r;
      const valued = r.quality !== "invalid" && r.value !== null;
      this.status(valued ? { fill: r.stale || r.quality === "estimate" ? "yellow" : "green", shape: "dot", text: `${+r.value.toFixed(2)} ${r.unit}` } : { fill: "red", shape: "dot", text: (r.warning || "invalid").slice(0, 60) });
      const shown = !valued ? "" : r.unit === "bool" ? (r.value ? "yes" : "no") : `${+r.value.toFixed(1)} ${r.unit}`;
      const doubt = [r.quality === "estimate" ? `estimate: ${r.warning || "not measured"}` : "", r.stale ? `stale: last reading ${ago(r.ageMs)} ago` : ""].filter(Boolean).join("; ");
      const text = !valued ? `not available: ${r.warning || "invalid"}` : doubt ? `${shown} (${doubt})` : shown;
      if (hours > 0 && valued) this.send({ topic: r.quality === "estimate" ? estimated : sensor, payload: { x: r.ts, y: r.value } });
      else if (hours === 0) this.send({ topic: sensor, payload: r.value, text, unit: r.unit, quality: r.quality, warning: r.warning, ts: r.ts, device: r.device });
    });
  }
  RED.nodes.registerType("cs-reading", ReadingNode);

  /** One reserve figure (e.g. water.daysLeft), or all of them when `figure` is empty. */
  function ReserveNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    if (!gateway) return void this.status({ fill: "red", shape: "dot", text: "gateway needed" });
    poll(this, config.interval, async () => {
      const { figures } = await get(gateway, "/reserves");
      if (!config.figure) return void (changed(this, "all", figures) && this.send({ topic: "reserves", payload: figures }));
      const f = figures[config.figure];
      if (!f) throw new Error(`no figure ${config.figure}`);
      const shown = f.value === null ? "unknown" : `${+f.value.toFixed(1)} ${f.unit}`;
      this.status({ fill: f.uncertain ? "yellow" : "green", shape: "dot", text: shown });
      // The doubt goes on the figure itself, with its reason: a figure is never read as sure when it is not.
      const why = (f.reasons || []).join("; ");
      const text = f.value === null ? `missing${why ? `: ${why}` : ""}` : f.uncertain ? `${shown} (uncertain: ${why || "see the sensors"})` : shown;
      const msg = { topic: config.figure, payload: f.value === null ? null : +f.value.toFixed(2), unit: f.unit, uncertain: f.uncertain, reasons: f.reasons || [], text };
      if (changed(this, "figure", msg)) this.send(msg);
    });
  }
  RED.nodes.registerType("cs-reserve", ReserveNode);

  /** A board's outputs now (pumps, valves, load tiers, vents), as rows for a table. */
  function OutputNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    if (!gateway || !config.device) return void this.status({ fill: "red", shape: "dot", text: "gateway and device needed" });
    let last = "";
    poll(this, config.interval, async () => {
      const health = await get(gateway, "/health");
      const device = (health.devices || []).find((d) => d.device === config.device);
      if (!device) throw new Error(`no device ${config.device}`);
      const rows = (device.outputs || []).map((o) => ({
        output: o.id,
        state: typeof o.state === "number" ? `${o.state} %` : o.state,
        tier: o.tier ? `tier ${o.tier}${o.tier === 1 ? " (essential)" : ""}` : "",
      }));
      this.status({ fill: device.online ? "green" : "grey", shape: "dot", text: rows.map((r) => `${r.output} ${r.state}`).join(", ").slice(0, 60) || "no outputs" });
      const shown = JSON.stringify(rows);
      if (shown === last) return;
      last = shown;
      this.send({ topic: config.device, payload: rows });
    });
  }
  RED.nodes.registerType("cs-output", OutputNode);

  /** Active alerts, as rows for a table. */
  function AlertNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    if (!gateway) return void this.status({ fill: "red", shape: "dot", text: "gateway needed" });
    poll(this, config.interval, async () => {
      const alerts = await get(gateway, "/alerts?active=1");
      this.status({ fill: alerts.length ? "red" : "green", shape: "dot", text: `${alerts.length} active` });
      const rows = alerts.map((a) => ({
        id: a.id, urgency: a.urgency, message: a.message, since: a.raisedAt,
        acknowledged: a.acknowledgedAt ? "yes" : "no", acknowledge: "Acknowledge", clear: "Clear",
      }));
      if (changed(this, "alerts", rows)) this.send([{ topic: "alerts", payload: rows }, null]);
    });
    // Input: a table's button (msg.column acknowledge or clear, msg.payload the row), or a row or
    // { id } alone, which acknowledges. Acknowledge: someone is on it. Clear: dealt with, or a false
    // alarm. Output 2 says what became of the tap, in words, to the browser that tapped
    // (msg._client), failures included.
    this.on("input", async (msg, send, done) => {
      const row = msg.payload || {};
      const clear = msg.action === "button_click" && msg.column === "clear";
      const tell = (text) => send([null, { _client: msg._client, topic: clear ? "clear" : "acknowledge", payload: text }]);
      try {
        const alert = await call(gateway, `/alerts/${encodeURIComponent(row.id)}/${clear ? "cleared" : "acknowledged"}`, {}, writer(gateway, msg));
        this.status({ fill: "yellow", shape: "dot", text: `${clear ? "cleared" : "acknowledged"} ${alert.ruleId}` });
        tell(clear
          ? `Cleared: "${alert.message || row.message}". It comes back if the problem is still there once the rule's quiet time is over.`
          : `Acknowledged: "${alert.message || row.message}". Everyone now sees that someone is on it.`);
        done();
      } catch (err) {
        tell(`Not ${clear ? "cleared" : "acknowledged"}: ${err.message}.`);
        this.warn(`${clear ? "clearing" : "acknowledging"} ${row.id}: ${err.message}`);
        done();
      }
    });
  }
  RED.nodes.registerType("cs-alert", AlertNode);

  /**
   * This village's aid requests (output 1), transfers proposed to or from it awaiting an answer,
   * with Accept and Decline buttons (output 2), the neighbours' requests (output 3), transfers
   * agreed and on their way to it, with a Help arrived button (output 4), what became of a tap on
   * a button, in words, for the browser that tapped (output 5), and transfers it agreed to give,
   * with a Sent on its way button, and those the hub cancelled because the need went before they
   * left (output 6).
   */
  function AidRequestNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    if (!gateway) return void this.status({ fill: "red", shape: "dot", text: "gateway needed" });
    poll(this, config.interval, async () => {
      const [requests, proposals, neighbours, v] = await Promise.all([get(gateway, "/aid-requests"), get(gateway, "/federation/proposals"), get(gateway, "/federation/requests"), get(gateway, "/village")]);
      const rows = (list) => list.map((r) => ({ ...(r.village ? { village: r.village } : {}), resource: r.resource, need: r.quantity.map((q) => amountInWords(q, v.norms)).join(", "), urgency: r.urgency, status: r.status, neededBy: r.neededBy, updated: r.updatedAt }));
      const open = requests.filter((r) => r.status === "open" || r.status === "updated");
      this.status({ fill: open.length ? "yellow" : "green", shape: "dot", text: `${open.length} open` });
      const transfer = (p) => {
        const t = { id: p.id, transfer: p.to === v.id ? `${p.resource} from ${p.from} to us` : `${p.resource} from us to ${p.to}`, amount: amountInWords(p.quantity, v.norms) };
        return { ...t, what: `${t.transfer}: ${t.amount}` }; // one column, so the buttons fit a phone
      };
      const out = [
        { topic: "aid-requests", payload: rows(requests.map(({ village: _mine, ...r }) => r)) },
        { topic: "proposals", payload: proposals.filter((p) => p.status === "proposed").map((p) => ({ ...transfer(p), accept: "Accept", decline: "Decline" })) },
        { topic: "neighbour-requests", payload: rows(neighbours) },
        { topic: "on-the-way", payload: proposals.filter((p) => (p.status === "accepted" || p.status === "dispatched") && p.to === v.id).map((p) => ({ ...transfer(p), ...(p.status === "dispatched" ? { what: `${transfer(p).what} (on the road)` } : {}), delivered: "Help arrived" })) },
      ];
      const toSend = proposals.filter((p) => p.from === v.id && (p.status === "accepted" || p.status === "cancelled")).map((p) =>
        p.status === "cancelled"
          ? { ...transfer(p), what: `Cancelled, keep it: ${transfer(p).what} (their need is gone or met)`, cancelled: true, dispatched: "Cancelled" }
          : { ...transfer(p), dispatched: "Sent on its way" });
      const sendOut = { topic: "to-send", payload: toSend };
      this.send([...out.map((m) => (changed(this, m.topic, m.payload) ? m : null)), null, changed(this, sendOut.topic, sendOut.payload) ? sendOut : null]);
    });
    // Input: a table's button (msg.column accept, decline, delivered or dispatched, msg.payload the
    // row), or { payload: { proposalId, accept } }. Whatever happens is said on output 5.
    this.on("input", async (msg, send, done) => {
      const row = msg.payload || {};
      const decision = msg.action === "button_click" ? msg.column : row.accept === undefined ? undefined : row.accept ? "accept" : "decline";
      const id = row.id || row.proposalId;
      const tell = (text) => send([null, null, null, null, { _client: msg._client, topic: "proposal-answer", payload: text }]);
      const words = { accept: "Accepted", decline: "Declined", delivered: "Arrival confirmed", dispatched: "Sent on its way" };
      try {
        if (!words[decision] || !id) throw new Error("tap Accept, Decline, Help arrived or Sent on its way on a transfer");
        if (row.cancelled) {
          tell(`Nothing to send: ${row.transfer || "this transfer"} was cancelled: the need is gone or met by the rest. Keep it.`);
          return void done();
        }
        await call(gateway, `/federation/proposals/${encodeURIComponent(id)}/${decision}`, {}, writer(gateway, msg));
        tell(`${words[decision]}: ${row.transfer || "the transfer"}${row.amount ? `, ${row.amount}` : ""}. The federation hears it now.`);
        done();
      } catch (err) {
        tell(`Not sent: ${err.message}.`);
        this.warn(`answering ${id}: ${err.message}`);
        done();
      }
    });
  }
  RED.nodes.registerType("cs-aid-request", AidRequestNode);

  /**
   * Help asked for by hand, for what no sensor sees: a form's msg.payload { resource, amount, unit,
   * urgency, enables } sends a request; a table's Take back button (column takeBack) withdraws one.
   * Output 1: what happened, in words (msg.text). Output 2: the open requests made by hand, each
   * with its Take back button, every `interval` seconds.
   */
  function AidAskNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    if (!gateway) return void this.status({ fill: "red", shape: "dot", text: "gateway needed" });
    const list = async () => {
      const [requests, v] = await Promise.all([get(gateway, "/aid-requests"), get(gateway, "/village")]);
      const mine = requests.filter((r) => r.reason.rule === "by-hand" && (r.status === "open" || r.status === "updated"));
      const rows = mine.map((r) => ({ id: r.id, what: `${r.resource}: ${r.quantity.map((q) => amountInWords(q, v.norms)).join(", ")} (${r.urgency}), for ${r.enables}`, takeBack: "Take back" }));
      if (changed(this, "by-hand", rows)) this.send([null, { topic: "by-hand", payload: rows }]);
    };
    poll(this, config.interval, list);
    this.on("input", async (msg, send, done) => {
      const tell = (text) => send([{ topic: "aid-ask", text }, null]);
      const p = msg.payload || {};
      try {
        if (msg.action === "button_click") {
          if (msg.column !== "takeBack" || !p.id) throw new Error("tap Take back on a request");
          await call(gateway, `/aid-requests/${encodeURIComponent(p.id)}/withdrawn`, {}, writer(gateway, msg));
          tell(`Taken back: ${p.what}. The federation hears it now.`);
        } else {
          const amount = typeof p.amount === "string" && p.amount.trim() !== "" && !Number.isNaN(Number(p.amount)) ? Number(p.amount) : p.amount;
          const body = { resource: p.resource, amount, unit: p.unit, enables: p.enables, ...(p.urgency ? { urgency: p.urgency } : {}) };
          const request = await call(gateway, "/aid-requests", body, writer(gateway, msg));
          tell(`Sent to the federation: ${request.resource}, ${amountInWords(request.quantity[0], {})} (${request.urgency}), needed by ${new Date(request.neededBy).toLocaleString("en-GB", { weekday: "short", day: "numeric", month: "short" })}`);
        }
        this.status({ fill: "green", shape: "dot", text: "sent" });
        await list().catch(() => undefined);
      } catch (err) {
        this.status({ fill: "red", shape: "ring", text: err.message.slice(0, 60) });
        tell(`Not sent: ${err.message.replace(/^aid request is invalid: /, "")}`);
      }
      done();
    });
  }
  RED.nodes.registerType("cs-aid-ask", AidAskNode);

  /** Sends a command to an output: msg.payload { device, output, action: on|off|set, value?, reason? }. */
  function CommandNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    this.on("input", async (msg, send, done) => {
      try {
        const body = { device: config.device || undefined, output: config.output || undefined, ...(typeof msg.payload === "object" ? msg.payload : { action: msg.payload }) };
        const command = await call(gateway, "/commands", body, writer(gateway, msg));
        this.status({ fill: "green", shape: "dot", text: `${command.output}: ${command.action}` });
        send({ topic: "command", payload: command });
        done();
      } catch (err) {
        this.status({ fill: "red", shape: "ring", text: err.message.slice(0, 60) });
        send({ topic: "command", payload: { ok: false, message: err.message } });
        done();
      }
    });
  }
  RED.nodes.registerType("cs-command", CommandNode);

  /**
   * A kitchen's count from a form: msg.payload { staple, kg }. Output 1: { ok, message } for the
   * person at the form; a refused count changes nothing and says why. Output 2, at start: the
   * village's staples as the form's dropdown (ui_update.dropdownOptions), so a staple is picked
   * from a list, never typed.
   */
  function PantryCountNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    let retry;
    const offerStaples = async () => {
      try {
        const { figures } = await get(gateway, "/reserves");
        const staples = Object.keys(figures).map((k) => /^food\.(.+)\.kg$/.exec(k)?.[1]).filter(Boolean);
        this.send([null, { topic: "staples", ui_update: { dropdownOptions: staples.map((s) => ({ dropdown: "staple", value: s, label: s })) } }]);
      } catch {
        retry = setTimeout(offerStaples, 5_000); // the gateway's API is not up yet
      }
    };
    retry = setTimeout(offerStaples, 500);
    this.on("close", () => clearTimeout(retry));
    this.on("input", async (msg, send, done) => {
      const p = msg.payload || {};
      const kg = typeof p.kg === "string" && p.kg.trim() !== "" && !Number.isNaN(Number(p.kg)) ? Number(p.kg) : p.kg;
      try {
        const reading = await call(gateway, "/pantry/counts", { staple: p.staple, kg }, writer(gateway, msg));
        this.status({ fill: "green", shape: "dot", text: `${p.staple}: ${kg} kg` });
        // Says until when the count stands over the scale (the rule the page states).
        const until = reading.standsUntil ? new Date(reading.standsUntil) : undefined;
        const stands = until && until.getTime() > reading.ts ? `; it stands over the scale until ${until.toLocaleString("en-GB", { weekday: "short", hour: "2-digit", minute: "2-digit" })}` : "";
        send({ topic: "pantry-count", payload: { ok: true, message: `Saved: ${p.staple} ${kg} kg${stands}`, reading } });
      } catch (err) {
        this.status({ fill: "red", shape: "ring", text: err.message.slice(0, 60) });
        send({ topic: "pantry-count", payload: { ok: false, message: `Not saved: ${err.message.replace(/^pantry count is invalid: /, "")}` } });
      }
      done();
    });
  }
  RED.nodes.registerType("cs-pantry-count", PantryCountNode);

  /**
   * The food team's crop assessment from a form: msg.payload { lossPct } (share of the season's
   * crop lost, %). Above 20 % the reference trigger asks neighbours for seed and food; below 10 %
   * that request is withdrawn. Output { ok, message } for the person at the form.
   */
  function AssessmentNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    this.on("input", async (msg, send, done) => {
      const raw = (msg.payload || {}).lossPct;
      const value = typeof raw === "string" && raw.trim() !== "" ? Number(raw) : raw;
      try {
        await call(gateway, "/assessments", { name: "greenhouse.cropLossPct", value }, writer(gateway, msg));
        this.status({ fill: "green", shape: "dot", text: `${value} % lost` });
        send({ topic: "assessment", payload: { ok: true, message: `Saved: ${value} % of the crop lost` } });
      } catch (err) {
        this.status({ fill: "red", shape: "ring", text: err.message.slice(0, 60) });
        send({ topic: "assessment", payload: { ok: false, message: `Not saved: ${err.message.replace(/^assessment is invalid: /, "")}` } });
      }
      done();
    });
  }
  RED.nodes.registerType("cs-assessment", AssessmentNode);

  /**
   * The assembly's decisions from a form: msg.payload { headCount, waterLitresPerPersonDay,
   * foodKcalPerPersonDay, baselineWhPerDay }, empty fields left as they are. Output { ok, message }.
   */
  function VillageNode(config) {
    RED.nodes.createNode(this, config);
    const gateway = RED.nodes.getNode(config.gateway);
    this.on("input", async (msg, send, done) => {
      const p = msg.payload || {};
      const number = (v) => (v === "" || v === null || v === undefined ? undefined : Number(v));
      const norms = {};
      for (const k of ["waterLitresPerPersonDay", "foodKcalPerPersonDay", "baselineWhPerDay"]) if (number(p[k]) !== undefined) norms[k] = number(p[k]);
      const body = { ...(number(p.headCount) !== undefined ? { headCount: number(p.headCount) } : {}), ...(Object.keys(norms).length ? { norms } : {}) };
      try {
        const village = await call(gateway, "/village", body, writer(gateway, msg));
        send({ topic: "village", payload: { ok: true, message: `Saved: ${village.headCount} people, ${village.norms.waterLitresPerPersonDay} L water and ${village.norms.foodKcalPerPersonDay} kcal per person a day`, village } });
      } catch (err) {
        send({ topic: "village", payload: { ok: false, message: `Not saved: ${err.message.replace(/^configuration is invalid: /, "")}` } });
      }
      done();
    });
  }
  RED.nodes.registerType("cs-village", VillageNode);
};
