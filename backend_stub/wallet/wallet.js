// The customer wallet page: sign in by SMS, then the rotating payment code, balance,
// no-PIN limit, payment records, and the result of a payment as it happens.
//
// The session token is kept only in this page's memory and sent as a bearer
// header: no cookie, so no other site can act as the member; closing or
// reloading the page signs out of this phone. Text is set with textContent
// only. Plain ES2017, no library, no build step.
"use strict";

(function () {
  // ---- text (wallet-text.js), English or Chinese: the browser's language decides ---------

  const TEXT = window.WALLET_TEXT;

  const LANG = (navigator.languages && navigator.languages[0] || navigator.language || "en")
    .toLowerCase().startsWith("zh") ? "zh" : "en";

  function t(key, values) {
    const text = TEXT[LANG][key] || TEXT.en[key] || key;
    return text.replace(/\{(\w+)\}/g, (_, name) => (values && name in values ? values[name] : ""));
  }

  // ---- money, exactly as protocol.money formats it ----------------------------------------

  function groups(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function fmtFen(fen) {
    const sign = fen < 0 ? "-" : "";
    const abs = Math.abs(fen);
    return sign + "CNY " + groups(Math.floor(abs / 100)) + "." + String(abs % 100).padStart(2, "0");
  }

  function fmtPoints(points) {
    return groups(points) + " " + t(Math.abs(points) === 1 ? "point_unit" : "points_unit");
  }

  const AMOUNT = /^\s*(?:CNY|RMB|¥|￥)?\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/i;

  function parseFen(text) {  // protocol.money.parse_fen; null when it is not an amount
    const match = AMOUNT.exec(text);
    if (!match) return null;
    return Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  }

  function maskCode(code) {  // protocol.paycode.mask: first 2 and last 4 digits
    return code.slice(0, 2) + "*".repeat(code.length - 6) + code.slice(-4);
  }

  function spaced(text) {
    return text.replace(/(.{4})(?=.)/g, "$1 ");
  }

  // ---- the HTTP calls -----------------------------------------------------------------------

  class WalletError extends Error {
    constructor(code, serverMessage) {
      super(code);
      this.code = code;
      this.serverMessage = serverMessage || "";
    }
  }

  function explain(error) {
    switch (error.code) {
      case "OFFLINE": return t("offline");
      case "SERVICE_BUSY": return t("busy");
      case "SMS_CODE_WRONG": return t("sms_wrong");
      case "NOT_AUTHORISED": return t("session_ended");
      case "ACCOUNT_FROZEN": return t("frozen");
      case "BAD_REQUEST": return t("bad_request", { why: error.serverMessage });
      case "SYSTEM_ERROR": return t("system");
      default: return error.serverMessage || t("system");
    }
  }

  let session = null;  // {token, memberNo}: only here, never stored

  async function api(method, path, body) {
    const headers = { "Accept": "application/json", "Accept-Language": LANG === "zh" ? "zh-CN" : "en" };
    if (session) headers.Authorization = "Bearer " + session.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, {
        method: method,
        headers: headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "omit",
        redirect: "error",
      });
    } catch (_) {
      throw new WalletError("OFFLINE");
    }
    let answer;
    try {
      answer = await response.json();
    } catch (_) {
      throw new WalletError(response.status === 429 ? "SERVICE_BUSY" : "SYSTEM_ERROR");
    }
    if (answer.code !== "OK") {
      const error = new WalletError(answer.code, answer.message);
      if (answer.code === "NOT_AUTHORISED" && session) endSession(t("session_ended"));
      throw error;
    }
    return answer.data;
  }

  // ---- the page's parts ---------------------------------------------------------------------

  const $ = (id) => document.getElementById(id);

  function say(id, text, kind) {
    const el = $(id);
    el.textContent = text || "";
    el.className = "message" + (text && kind ? " " + kind : "");
  }

  function show(id, visible) {
    $(id).hidden = !visible;
  }

  function translateStatic() {
    document.documentElement.lang = LANG === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    document.querySelectorAll("[data-t]").forEach((el) => { el.textContent = t(el.dataset.t); });
  }

  // ---- sign-in ------------------------------------------------------------------------------

  const MEMBER_NO = /^[A-Za-z0-9_-]{1,32}$/;
  let resendTimer = null;

  function memberNo() {
    return $("member-no").value.trim();
  }

  function showSignIn(message) {
    show("wallet", false);
    show("sign-out", false);
    show("signin", true);
    say("signin-message", message, "error");
    $("sms-code").value = "";
    $("member-no").focus();
  }

  async function sendSms() {
    const no = memberNo();
    if (!MEMBER_NO.test(no)) return say("signin-message", t("need_member_no"), "error");
    say("signin-message", "");
    const button = $("send-sms");
    button.disabled = true;
    try {
      await api("POST", "/member/v1/sms", { member_no: no, purpose: "login" });
    } catch (error) {
      button.disabled = false;
      return say("signin-message", explain(error), "error");
    }
    const hint = $("sms-sent");
    hint.textContent = t("sms_sent", { no: no }) + " " + t("sms_demo");
    const command = document.createElement("code");
    command.className = "command";
    command.textContent = "scanpay-backend sms-outbox --member " + no;
    hint.appendChild(command);
    show("sms-sent", true);
    $("sms-code").focus();
    let left = 30;
    clearInterval(resendTimer);
    button.textContent = t("send_again", { s: left });
    resendTimer = setInterval(() => {
      left -= 1;
      if (left > 0) return void (button.textContent = t("send_again", { s: left }));
      clearInterval(resendTimer);
      button.disabled = false;
      button.textContent = t("send_code");
    }, 1000);
  }

  async function signIn(event) {
    event.preventDefault();
    const no = memberNo();
    const code = $("sms-code").value.trim();
    if (!MEMBER_NO.test(no)) return say("signin-message", t("need_member_no"), "error");
    if (!/^[0-9]{6}$/.test(code)) return say("signin-message", t("need_sms_code"), "error");
    say("signin-message", "");
    $("sign-in").disabled = true;
    try {
      const data = await api("POST", "/member/v1/login", { member_no: no, sms_code: code });
      session = { token: data.token, memberNo: data.member_no };
    } catch (error) {
      return say("signin-message", explain(error), "error");
    } finally {
      $("sign-in").disabled = false;
    }
    await startWallet();
  }

  function endSession(message) {
    session = null;
    stopTimers();
    current = null;
    account = null;
    baseline = undefined;
    clearWallet();
    showSignIn(message);
  }

  function clearWallet() {  // nothing of this member stays on the page for the next one
    ["hello", "digits", "countdown", "balance-points", "balance-card", "limit-now", "limit-max",
      "result-title", "result-detail"].forEach((id) => { $(id).textContent = ""; });
    ["qr", "barcode"].forEach((id) => { $(id).removeAttribute("src"); show(id, false); });
    $("records").replaceChildren();
    show("result", false);
  }

  async function signOut() {
    const leaving = session;
    if (leaving) {
      try { await api("POST", "/member/v1/logout"); } catch (_) { /* the session ends anyway */ }
    }
    if (session === leaving) endSession(t("signed_out"));
  }

  // ---- the payment code -----------------------------------------------------------------------

  let wallet = "points";
  let current = null;     // {code, wallet, validUntil, refreshAt} (performance.now() ms)
  let refreshing = false;
  let revealUntil = 0;
  let tickTimer = null;
  let pollTimer = null;

  function selectWallet(name) {
    wallet = name;
    document.querySelectorAll("[data-wallet]").forEach((tab) => {
      tab.setAttribute("aria-selected", String(tab.dataset.wallet === name));
    });
    newCode();
  }

  function svgUri(svg) {
    return "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
  }

  async function newCode() {
    if (!session || refreshing) return;
    refreshing = true;
    const asked = wallet;
    $("refresh").disabled = true;
    $("countdown").textContent = t("refreshing");
    say("code-message", "");
    try {
      const sent = performance.now();
      const issued = await api("POST", "/member/v1/code", { wallet: asked });
      const images = await api("POST", "/wallet/v1/images", { code: issued.code });
      const lead = Math.min(5, issued.ttl_s / 4);
      current = {
        code: issued.code,
        wallet: asked,
        validUntil: sent + issued.ttl_s * 1000,
        refreshAt: sent + (issued.ttl_s - lead) * 1000,
      };
      $("qr").src = svgUri(images.qr_svg);
      $("barcode").src = svgUri(images.barcode_svg);
      show("qr", true);
      show("barcode", true);
      show("code-dead", false);
      revealUntil = 0;
    } catch (error) {
      if (session) say("code-message", t("code_failed", { why: explain(error) }), "error");
      if (current) current.refreshAt = performance.now() + 3000;  // try again, not in a loop
    } finally {
      refreshing = false;
      $("refresh").disabled = false;
    }
    tick();
    if (session && asked !== wallet) newCode();  // the customer switched wallets meanwhile
  }

  function codeDead(text) {
    $("code-dead-text").textContent = text;
    show("code-dead", true);
    show("qr", false);
    show("barcode", false);
  }

  function tick() {
    if (!session || !current) return;
    const now = performance.now();
    const digits = $("digits");
    digits.textContent = now < revealUntil ? spaced(current.code) : spaced(maskCode(current.code));
    digits.title = t("tap_digits");
    if (now >= current.validUntil) {
      codeDead(t("code_expired"));
      $("countdown").textContent = "";
    } else if (!refreshing) {
      $("countdown").textContent = t("refreshes_in", {
        s: Math.max(0, Math.ceil((current.refreshAt - now) / 1000)),
      });
    }
    if (now >= current.refreshAt && !refreshing && !document.hidden) newCode();
  }

  function revealDigits() {
    if (!current) return;
    revealUntil = performance.now() + 15000;
    tick();
  }

  // ---- the result of a payment, as it happens --------------------------------------------------

  let baseline;  // the newest trade when the wallet opened: not news

  function sameTrade(a, b) {
    return a && b && a.trade_no === b.trade_no && a.state === b.state && a.updated_at === b.updated_at;
  }

  async function poll() {
    if (!session) return;
    let page;
    try {
      page = await api("GET", "/member/v1/records?limit=1");
    } catch (_) {
      return;  // a missed poll is retried; a dead session already went back to sign-in
    }
    const newest = page.items[0] || null;
    if (baseline === undefined) {
      baseline = newest;
      return;
    }
    if (!newest || sameTrade(newest, baseline)) return;
    baseline = newest;
    showResult(newest);
    loadAccount();
    loadRecords();
    if (current && newest.code_masked === maskCode(current.code)) {
      codeDead(t("code_spent"));
      current.refreshAt = 0;  // spent: get a new one at once
      tick();
    }
  }

  function showResult(trade) {
    const money = fmtFen(trade.amount_fen);
    const box = $("result");
    let title;
    let detail = "";
    let kind = "bad";
    show("result-sms", false);
    switch (trade.state) {
      case "SUCCESS":
        kind = "ok";
        title = t("result_success", { money: money });
        detail = trade.issuer === "points"
          ? t("result_success_points", { points: fmtPoints(trade.points) })
          : t("result_success_card");
        break;
      case "PIN_REQUIRED":
        kind = "wait";
        title = t("result_pin");
        detail = trade.reason ? reasonText(trade) : t("result_pin_detail", { money: money });
        show("result-sms", true);
        break;
      case "PROCESSING":
        kind = "wait";
        title = t("result_processing");
        break;
      case "CLOSED":
        title = t("result_closed");
        detail = reasonText(trade);
        break;
      case "REFUNDED":
      case "PARTIALLY_REFUNDED":
        kind = "ok";
        title = t("result_refunded", { money: fmtFen(trade.refunded_fen) });
        break;
      default:
        title = t("result_failed", { money: money });
        detail = reasonText(trade);
    }
    box.className = "card result " + kind;
    $("result-title").textContent = title;
    $("result-detail").textContent = detail;
    show("result", true);
  }

  function reasonText(trade) {
    if (!trade.reason) return "";
    const key = "reason_" + trade.reason;
    return TEXT[LANG][key] ? t(key) : trade.message;
  }

  async function resendPaySms() {
    try {
      await api("POST", "/member/v1/sms", { member_no: session.memberNo, purpose: "pay" });
      $("result-detail").textContent = t("pay_sms_sent");
    } catch (error) {
      $("result-detail").textContent = explain(error);
    }
  }

  // ---- balance and limit --------------------------------------------------------------------

  let account = null;

  async function loadAccount() {
    try {
      account = await api("GET", "/member/v1/account");
    } catch (error) {
      if (session) say("limit-message", explain(error), "error");
      return;
    }
    $("hello").textContent = account.name
      ? t("hello_named", { name: account.name, no: account.member_no })
      : t("hello", { no: account.member_no });
    $("balance-points").textContent = t("points_line", {
      points: fmtPoints(account.balance_points),
      money: fmtFen(account.points_worth_fen),
    });
    $("balance-card").textContent = t("card_line", { money: fmtFen(account.balance_card_fen) });
    $("limit-now").textContent = account.no_pin_limit_fen > 0
      ? t("limit_now", { money: fmtFen(account.no_pin_limit_fen) })
      : t("limit_zero");
    $("limit-max").textContent = t("limit_max", { money: fmtFen(account.system_no_pin_limit_fen) });
  }

  async function saveLimit(event) {
    event.preventDefault();
    const fen = parseFen($("limit-input").value);
    if (fen === null) return say("limit-message", t("limit_bad"), "error");
    if (account && fen > account.system_no_pin_limit_fen) {
      return say("limit-message", t("limit_too_high", { money: fmtFen(account.system_no_pin_limit_fen) }), "error");
    }
    $("limit-save").disabled = true;
    try {
      await api("POST", "/member/v1/limit", { no_pin_limit_fen: fen });
      say("limit-message", t("limit_saved", { money: fmtFen(fen) }), "ok");
      $("limit-input").value = "";
      await loadAccount();
    } catch (error) {
      say("limit-message", explain(error), "error");
    } finally {
      $("limit-save").disabled = false;
    }
  }

  // ---- records --------------------------------------------------------------------------------

  let nextCursor = null;
  const TOOK_POINTS = ["SUCCESS", "PARTIALLY_REFUNDED", "REFUNDED"];  // others took nothing

  function recordItem(trade) {
    const item = document.createElement("li");
    const left = document.createElement("div");
    const when = document.createElement("div");
    when.className = "when";
    when.textContent = new Date(trade.created_at * 1000).toLocaleString(LANG === "zh" ? "zh-CN" : "en-GB");
    const wallet = document.createElement("div");
    const took = trade.issuer === "points" && trade.points && TOOK_POINTS.includes(trade.state);
    wallet.textContent = t(trade.issuer === "card" ? "wallet_card" : "wallet_points")
      + (took ? " · " + fmtPoints(trade.points) : "");
    left.append(wallet, when);
    const right = document.createElement("div");
    right.className = "what";
    const amount = document.createElement("div");
    amount.className = "amount-line";
    amount.textContent = fmtFen(trade.amount_fen);
    const state = document.createElement("div");
    const failed = trade.state === "FAILED" || trade.state === "CLOSED";
    state.className = "state" + (failed ? " bad" : "");
    state.textContent = t("state_" + trade.state);
    right.append(amount, state);
    item.append(left, right);
    item.dataset.tradeNo = trade.trade_no;
    item.dataset.state = trade.state;
    return item;
  }

  async function loadRecords(more) {
    let page;
    try {
      const query = "?limit=10" + (more && nextCursor ? "&cursor=" + encodeURIComponent(nextCursor) : "");
      page = await api("GET", "/member/v1/records" + query);
    } catch (error) {
      if (session) say("records-message", explain(error), "error");
      return;
    }
    say("records-message", "");
    const list = $("records");
    if (!more) list.replaceChildren();
    page.items.forEach((trade) => list.appendChild(recordItem(trade)));
    nextCursor = page.next_cursor;
    show("records-more", Boolean(nextCursor));
    show("records-empty", list.children.length === 0);
  }

  // ---- the wallet's life ----------------------------------------------------------------------

  function stopTimers() {
    clearInterval(tickTimer);
    clearInterval(pollTimer);
    tickTimer = pollTimer = null;
  }

  async function startWallet() {
    show("signin", false);
    show("sign-out", true);
    show("wallet", true);
    show("result", false);
    show("sms-sent", false);
    say("signin-message", "");
    say("limit-message", "");
    baseline = undefined;
    await poll();  // the baseline: payments before this moment are not news
    selectWallet(wallet);
    loadAccount();
    loadRecords();
    stopTimers();
    tickTimer = setInterval(tick, 250);
    pollTimer = setInterval(poll, 1500);
  }

  function wire() {
    translateStatic();
    $("send-sms").addEventListener("click", sendSms);
    $("signin-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", signOut);
    $("refresh").addEventListener("click", () => newCode());
    $("digits").addEventListener("click", revealDigits);
    document.querySelectorAll("[data-wallet]").forEach((tab) => {
      tab.addEventListener("click", () => selectWallet(tab.dataset.wallet));
    });
    $("result-close").addEventListener("click", () => show("result", false));
    $("result-sms").addEventListener("click", resendPaySms);
    $("limit-form").addEventListener("submit", saveLimit);
    $("records-more").addEventListener("click", () => loadRecords(true));
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden && session) { tick(); poll(); }
    });
    const given = new URLSearchParams(location.search).get("member");
    if (given && MEMBER_NO.test(given)) $("member-no").value = given;
    showSignIn("");
  }

  wire();
})();
