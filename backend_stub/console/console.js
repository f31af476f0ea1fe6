// The operator console: store IT's page over the operator API (/admin/v1).
// The token lives only in this page's memory; every text is set with textContent.
"use strict";

(function () {
  const WORDS = window.CONSOLE_TEXT;
  const LANG = (navigator.languages && navigator.languages[0] || navigator.language || "en")
    .toLowerCase().startsWith("zh") ? "zh" : "en";
  const REFRESH_MS = 3000;
  const $ = (id) => document.getElementById(id);

  function t(key, vars) {
    let text = (WORDS[LANG] && WORDS[LANG][key]) || WORDS.en[key] || key;
    for (const [name, value] of Object.entries(vars || {})) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  let token = "";      // never stored anywhere but here
  let operator = "";
  let tab = "fleet";
  let timer = null;

  // ---- talking to the backend ----------------------------------------------------------------

  class Refused extends Error {}
  class SignedOut extends Error {}
  class Unreachable extends Error {}

  async function api(method, path, body, raw) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: Object.assign(
          { "Authorization": `Bearer ${token}`, "Accept-Language": LANG },
          body === undefined ? {} : { "Content-Type": "application/json" }),
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (err) {
      network(true);
      throw new Unreachable(t("offline"));
    }
    network(false);
    if (raw && response.ok) return response.text();
    let answer = null;
    try { answer = await response.json(); } catch (err) { answer = null; }
    if (answer && answer.code === "NOT_AUTHORISED") { signOut(t("wrong_token")); throw new SignedOut(); }
    if (!answer || answer.code !== "OK") {
      throw new Refused(answer && answer.message ? answer.message : `HTTP ${response.status}`);
    }
    return answer.data;
  }

  function network(down) { $("network").textContent = t("offline"); $("network").hidden = !down; }

  function notice(text, bad) {
    const line = $("notice");
    line.textContent = text;
    line.className = bad ? "message error" : "message ok";
  }

  // failures of the background refresh: a network error shows in the banner and is retried
  function quietly(work) {
    return work().catch((err) => {
      if (err instanceof Refused) notice(t("refused", { why: err.message }), true);
    });
  }

  // ---- small builders ----------------------------------------------------------------------

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (cls) td.className = cls;
    row.appendChild(td);
    return td;
  }

  function button(text, cls, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = text;
    if (cls) b.className = cls;
    b.addEventListener("click", onClick);
    return b;
  }

  function money(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    return `${sign}CNY ${Math.floor(abs / 100).toLocaleString("en")}.${String(abs % 100).padStart(2, "0")}`;
  }

  function when(seconds) {
    if (seconds === null || seconds === undefined) return t("never");
    return new Date(seconds * 1000).toLocaleString(LANG === "zh" ? "zh-CN" : "en-GB");
  }

  function replaceRows(tbody, rows) { tbody.replaceChildren(...rows); }

  function download(name, text, type) {
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // ---- the confirm dialog: every action asks first, and may need a reason ------------------

  function ask(text, needsReason) {
    return new Promise((resolve) => {
      const dialog = $("confirm");
      $("confirm-text").textContent = text;
      $("confirm-reason").value = "";
      $("confirm-message").textContent = "";
      $("confirm-reason").hidden = !needsReason;
      $("confirm-reason-label").hidden = !needsReason;
      const done = (answer) => {
        $("confirm-form").onsubmit = null;
        $("confirm-no").onclick = null;
        dialog.close();
        resolve(answer);
      };
      $("confirm-no").onclick = () => done(null);
      $("confirm-form").onsubmit = (event) => {
        event.preventDefault();
        const reason = $("confirm-reason").value.trim();
        if (needsReason && !reason) { $("confirm-message").textContent = t("need_reason"); return; }
        done({ reason });
      };
      dialog.showModal();
      (needsReason ? $("confirm-reason") : $("confirm-yes")).focus();
    });
  }

  async function act(question, needsReason, work, doneText) {
    const answer = await ask(question, needsReason);
    if (!answer) return;
    try {
      await work(answer.reason);
      notice(doneText, false);
    } catch (err) {
      if (!(err instanceof SignedOut)) notice(t("refused", { why: err.message }), true);
    }
    await refresh();
  }

  // ---- fleet -------------------------------------------------------------------------------

  const knownStores = new Set();

  async function loadFleet() {
    const params = new URLSearchParams();
    const store = $("fleet-store").value;
    if (store) params.set("store_id", store);
    if ($("fleet-problems").checked) params.set("problems", "true");
    const data = await api("GET", `/admin/v1/terminals?${params}`);
    const terminals = data.terminals;
    for (const one of terminals) knownStores.add(one.store_id);
    fillStores();
    $("fleet-count").textContent = t("fleet_count", { n: terminals.length });
    replaceRows($("fleet-rows"), terminals.map(fleetRow));
  }

  function fillStores() {
    const select = $("fleet-store");
    const chosen = select.value;
    const options = [["", t("all_stores")], ...[...knownStores].sort().map((s) => [s, s])];
    if (select.options.length === options.length) return;
    select.replaceChildren(...options.map(([value, label]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = label;
      return option;
    }));
    select.value = chosen;
  }

  function fleetRow(one) {
    const row = document.createElement("tr");
    row.dataset.terminal = one.terminal_id;
    cell(row, `${one.terminal_id} · ${one.kind}${one.name ? " · " + one.name : ""} · ${one.store_id}`);
    const state = one.disabled ? t("disabled") : one.online ? t("online") : t("offline_state");
    cell(row, state, one.online && !one.disabled ? "ok state" : "bad state");
    cell(row, when(one.last_heartbeat_at));
    const devices = cell(row, "");
    if (!one.devices.length) devices.textContent = t("none");
    for (const device of one.devices) {
      const line = document.createElement("div");
      line.textContent = `${device.kind} ${device.url} ${device.state}${device.error ? ": " + device.error : ""}`;
      if (device.state !== "OK") line.className = "device-error";
      devices.appendChild(line);
    }
    cell(row, one.in_doubt, one.in_doubt ? "num bad" : "num");
    cell(row, `${one.app} ${one.version}`.trim());
    cell(row, one.problems.map((p) => t(`problem_${p.code}`, { n: p.figure })).join("; "),
      one.problems.length ? "bad" : "");
    const actions = cell(row, "");
    const id = one.terminal_id;
    const body = (reason) => ({ operator, reason });
    if (one.disabled) {
      actions.appendChild(button(t("enable"), "enable", () => act(
        t("confirm_enable", { id }), true,
        (reason) => api("POST", `/admin/v1/terminals/${id}/enable`, body(reason)),
        t("done_enable", { id }))));
    } else {
      actions.appendChild(button(t("disable"), "danger disable", () => act(
        t("confirm_disable", { id }), true,
        (reason) => api("POST", `/admin/v1/terminals/${id}/disable`, body(reason)),
        t("done_disable", { id }))));
    }
    actions.appendChild(button(t("rotate"), "secondary rotate", () => act(
      t("confirm_rotate", { id }), true,
      (reason) => api("POST", `/admin/v1/terminals/${id}/rotate-secret`, body(reason)),
      t("done_rotate", { id }))));
    return row;
  }

  // ---- payments ----------------------------------------------------------------------------

  async function loadPayments() {
    const data = await api("GET", "/admin/v1/trades?limit=30");
    replaceRows($("trade-rows"), data.trades.map((one) => {
      const row = document.createElement("tr");
      row.dataset.trade = one.trade_no;
      cell(row, when(one.created_at));
      cell(row, one.trade_no);
      cell(row, one.terminal_id);
      cell(row, one.code);
      cell(row, money(one.amount_fen), "num");
      cell(row, one.state, one.state === "SUCCESS" ? "ok" : one.state === "FAILED" ? "bad" : "");
      cell(row, one.reason);
      cell(row, one.channel);
      cell(row, one.routing_version);
      return row;
    }));
  }

  async function lookUp(event) {
    event.preventDefault();
    const number = $("lookup").value.trim();
    if (!number) return;
    try {
      const story = await api("GET", `/admin/v1/trades/${encodeURIComponent(number)}`);
      showStory(story);
      notice("", false);
    } catch (err) {
      if (!(err instanceof SignedOut)) notice(t("refused", { why: err.message }), true);
    }
  }

  function showStory(story) {
    const fields = [
      ["f_trade_no", story.trade_no], ["f_out_trade_no", story.out_trade_no],
      ["f_terminal_id", story.terminal_id], ["f_state", story.state], ["f_reason", story.reason],
      ["f_amount", money(story.amount_fen)], ["f_refunded", money(story.refunded_fen)],
      ["f_code", story.code], ["f_channel", story.channel], ["f_channel_state", story.channel_state],
      ["f_routing", story.routing_version], ["f_created", when(story.created_at)],
      ["f_paid", story.paid_at ? when(story.paid_at) : ""],
    ];
    $("story-fields").replaceChildren(...fields.flatMap(([key, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = t(key);
      const dd = document.createElement("dd");
      dd.textContent = value === null || value === undefined ? "" : String(value);
      return [dt, dd];
    }));
    const item = (text) => { const li = document.createElement("li"); li.textContent = text; return li; };
    $("story-refunds").replaceChildren(...story.refunds.map((r) =>
      item(`${when(r.created_at)} ${r.out_refund_no} ${money(r.amount_fen)} ${r.state} ${r.reason}`)));
    $("story-ledger").replaceChildren(...story.ledger.map((l) =>
      item(`${when(l.at)} ${l.kind} ${l.delta > 0 ? "+" : ""}${l.delta}`)));
    $("story").hidden = false;
  }

  // ---- channels ----------------------------------------------------------------------------

  async function loadChannels() {
    const channels = await api("GET", "/admin/v1/channels");
    replaceRows($("channel-rows"), channels.map((c) => {
      const row = document.createElement("tr");
      cell(row, `${c.channel}${c.enabled ? "" : " (off)"}`);
      cell(row, c.success_pct === null ? "-" : `${c.success_pct}% (${c.samples})`,
        c.health === "in" ? "ok" : "bad");
      cell(row, c.breaker, c.breaker === "closed" ? "ok" : "bad");
      cell(row, c.in_flight_here, "num");
      return row;
    }));
    fillChannels(channels.map((c) => c.channel));
    const events = await api("GET", "/admin/v1/channels/events?limit=20");
    const list = events.map((e) => {
      const li = document.createElement("li");
      li.textContent = `${when(Math.floor(e.at_ms / 1000))} ${e.channel} ${e.kind} ${e.detail}`;
      return li;
    });
    if (!list.length) { const li = document.createElement("li"); li.textContent = t("no_events"); list.push(li); }
    $("channel-events").replaceChildren(...list);
  }

  function fillChannels(names) {
    const select = $("books-channel");
    if (select.options.length === names.length) return;
    select.replaceChildren(...names.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = name;
      return option;
    }));
  }

  // ---- routing -----------------------------------------------------------------------------

  async function loadRouting(withDraft) {
    const data = await api("GET", "/admin/v1/routing");
    $("routing-active").textContent = t("active_version", { v: data.active_version });
    replaceRows($("version-rows"), data.versions.slice().reverse().map((v) => {
      const row = document.createElement("tr");
      row.dataset.version = v.version;
      cell(row, v.version);
      cell(row, v.note);
      cell(row, when(Math.floor(v.created_at_ms / 1000)));
      const actions = cell(row, "");
      if (v.active) {
        actions.textContent = t("in_force");
        actions.className = "ok";
      } else {
        const back = v.version < data.active_version;
        actions.appendChild(button(t(back ? "rollback" : "publish"), back ? "rollback" : "publish", () => act(
          t(back ? "confirm_rollback" : "confirm_publish", { v: v.version }), true,
          (reason) => api("POST", `/admin/v1/routing/${back ? "rollback" : "publish"}`,
            { version: v.version, operator, reason }),
          t("done_publish", { v: v.version }))));
      }
      return row;
    }));
    if (withDraft && data.draft) $("draft").value = JSON.stringify(data.draft, null, 2);
    const events = await api("GET", "/admin/v1/routing/events?limit=20");
    const history = events.map((e) => {
      const li = document.createElement("li");
      li.textContent = t("routing_event", {
        when: when(Math.floor(e.at_ms / 1000)),
        what: t(`event_${e.kind}`),
        v: e.version === null ? "" : e.version,
        who: e.operator || t("nobody"),
        why: e.reason || e.note || "—",
      });
      return li;
    });
    if (!history.length) { const li = document.createElement("li"); li.textContent = t("no_events"); history.push(li); }
    $("routing-events").replaceChildren(...history);
  }

  async function saveDraft() {
    let document_;
    try {
      document_ = JSON.parse($("draft").value);
    } catch (err) {
      message($("draft-message"), t("not_json", { why: err.message }), true);
      return;
    }
    try {
      await api("PUT", `/admin/v1/routing/draft?operator=${encodeURIComponent(operator)}`, document_);
      message($("draft-message"), t("draft_saved"), false);
    } catch (err) {
      if (!(err instanceof SignedOut)) message($("draft-message"), t("refused", { why: err.message }), true);
    }
  }

  async function snapshot() {
    try {
      const made = await api("POST", "/admin/v1/routing/snapshot", { note: $("snapshot-note").value.trim(), operator });
      message($("draft-message"), t("done_snapshot", { v: made.version }), false);
      await loadRouting(false);
    } catch (err) {
      if (!(err instanceof SignedOut)) message($("draft-message"), t("refused", { why: err.message }), true);
    }
  }

  function message(element, text, bad) {
    element.textContent = text;
    element.className = bad ? "message error" : "message ok";
  }

  // ---- books -------------------------------------------------------------------------------

  async function verify() {
    try {
      const report = await api("GET", "/admin/v1/verify");
      message($("verify-result"), report.ok ? t("verify_ok", report)
        : t("verify_bad", { problems: report.problems.join("; ") }), !report.ok);
    } catch (err) {
      if (!(err instanceof SignedOut)) message($("verify-result"), t("refused", { why: err.message }), true);
    }
  }

  async function downloadCsv() {
    const day = $("books-day").value;
    try {
      const text = await api("GET", `/admin/v1/reconcile?date=${encodeURIComponent(day)}`, undefined, true);
      download(`scanpay-reconcile-${day}.csv`, text, "text/csv");
    } catch (err) {
      if (!(err instanceof SignedOut)) notice(t("refused", { why: err.message }), true);
    }
  }

  async function compare() {
    const day = $("books-day").value;
    const channel = $("books-channel").value;
    if (!channel) { message($("compare-result"), t("no_channels"), true); return; }
    try {
      const found = await api("GET", `/admin/v1/reconcile/channels/${encodeURIComponent(channel)}?date=${encodeURIComponent(day)}`);
      const n = found.differences.length;
      message($("compare-result"), n ? t("compare_bad", { channel, day, n })
        : t("compare_ok", { channel, day, lines: found.lines }), n > 0);
      $("compare-lines").replaceChildren(...found.differences.map((d) => {
        const li = document.createElement("li");
        li.textContent = Object.entries(d).map(([k, v]) => `${k}=${v}`).join(" ");
        return li;
      }));
      if (n) download(`scanpay-${channel}-${day}-differences.json`, JSON.stringify(found, null, 2), "application/json");
    } catch (err) {
      if (!(err instanceof SignedOut)) message($("compare-result"), t("refused", { why: err.message }), true);
    }
  }

  // ---- tabs, refresh, sign-in --------------------------------------------------------------

  const LOADERS = { fleet: loadFleet, payments: loadPayments, channels: loadChannels,
    routing: () => loadRouting(false), books: loadChannels };

  function refresh() { return quietly(LOADERS[tab]); }

  function show(name) {
    tab = name;
    for (const section of document.querySelectorAll("section.tab")) section.hidden = section.id !== name;
    for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
    notice("", false);
    if (name === "routing") return quietly(() => loadRouting(true));
    return refresh();
  }

  function signOut(why) {
    token = "";
    clearInterval(timer);
    timer = null;
    $("token").value = "";
    $("signin-message").textContent = why || "";
    for (const section of document.querySelectorAll("section.tab")) section.hidden = true;
    $("tabs").hidden = true;
    $("sign-out").hidden = true;
    $("signin").hidden = false;
  }

  async function signIn(event) {
    event.preventDefault();
    operator = $("operator").value.trim();
    const given = $("token").value.trim();
    if (!operator) { $("signin-message").textContent = t("need_name"); return; }
    if (!given) { $("signin-message").textContent = t("need_token"); return; }
    token = given;
    $("token").value = "";
    try {
      await api("GET", "/admin/v1/terminals");
    } catch (err) {
      if (!(err instanceof SignedOut)) $("signin-message").textContent = err.message;
      if (!(err instanceof SignedOut)) token = "";
      return;
    }
    $("signin-message").textContent = "";
    $("signin").hidden = true;
    $("tabs").hidden = false;
    $("sign-out").hidden = false;
    timer = setInterval(() => { if (tab !== "routing" && tab !== "books") refresh(); }, REFRESH_MS);
    await show("fleet");
  }

  function translate() {
    document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    for (const element of document.querySelectorAll("[data-t]")) element.textContent = t(element.dataset.t);
    for (const element of document.querySelectorAll("[data-tp]")) element.placeholder = t(element.dataset.tp);
  }

  function start() {
    translate();
    const today = new Date();  // the store's day: this browser's local date
    $("books-day").value = [today.getFullYear(), today.getMonth() + 1, today.getDate()]
      .map((n, i) => String(n).padStart(i ? 2 : 4, "0")).join("-");
    $("signin-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", () => signOut(""));
    for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => show(b.dataset.tab));
    $("fleet-store").addEventListener("change", refresh);
    $("fleet-problems").addEventListener("change", refresh);
    $("lookup-form").addEventListener("submit", lookUp);
    $("draft-save").addEventListener("click", saveDraft);
    $("snapshot").addEventListener("click", snapshot);
    $("verify").addEventListener("click", verify);
    $("download-csv").addEventListener("click", downloadCsv);
    $("compare").addEventListener("click", compare);
    $("signin").hidden = false;
    $("operator").focus();
  }

  start();
})();
