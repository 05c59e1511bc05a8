// Draws the schedule recorded by aio as one lane per task over time. The data comes from the
// JSON block above; everything is drawn into one inline SVG, no network access.
(function () {
  "use strict";
  const D = JSON.parse(document.getElementById("data").textContent);
  const NS = "http://www.w3.org/2000/svg";
  const LEFT = 190, TOP = 34, LANE = 46, BAR = 18, MINW = 8, GAP = 5, RIGHT = 40;

  function el(name, attrs, parent, text) {
    const e = document.createElementNS(NS, name);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    if (parent) parent.appendChild(e);
    return e;
  }
  function tip(e, text) {
    el("title", {}, e, text);
    e.dataset.tip = text;
  }

  const tracks = D.tracks.slice();
  const laneOf = new Map();
  tracks.forEach((t, i) => laneOf.set(t.serial, i));
  const laneY = (serial) => TOP + laneOf.get(serial) * LANE;

  // Time → x. The loop runs one step at a time, so steps are laid out one after another: a
  // step never starts left of the previous one's end, and steps at the same instant (which
  // take no time on the virtual clock) are spread out in the order they ran.
  const slices = D.slices.slice().sort((a, b) => a.seq - b.seq);
  const t0 = D.start, span = Math.max(D.end - D.start, 1e-9);
  const room = Math.max(640, Math.min(1500, (window.innerWidth || 1200) - LEFT - RIGHT - 40));
  const reserve = Math.min(slices.length * (MINW + GAP), room * 0.45);
  const scale = Math.max((room - reserve) / span, 1e-9);
  let shift = 0, lastEnd = -Infinity;
  const anchors = [];
  for (const s of slices) {
    let x0 = LEFT + scale * (s.start - t0) + shift;
    if (x0 < lastEnd + GAP) {
      shift += lastEnd + GAP - x0;
      x0 = lastEnd + GAP;
    }
    const w = Math.max(MINW, scale * (s.end - s.start));
    s.x0 = x0;
    s.x1 = x0 + w;
    lastEnd = s.x1;
    shift = Math.max(shift, s.x1 - (LEFT + scale * (s.end - t0)));
    anchors.push([s.end, shift]);
  }
  // Where time t is: before the steps that ran at t (so an axis tick marks where they begin).
  function X(t) {
    let sh = 0;
    for (const [end, v] of anchors) {
      if (end < t) sh = v; else break;
    }
    return LEFT + scale * (t - t0) + sh;
  }
  const bySeq = new Map(slices.map((s) => [s.seq, s]));
  const endX = Math.max(X(D.end), lastEnd) + 12;
  const width = endX + RIGHT;
  const height = TOP + tracks.length * LANE + 30;

  const svg = el("svg", { width, height, viewBox: `0 0 ${width} ${height}`, id: "timeline" });
  const defs = el("defs", {}, svg);
  const mk = el("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
  el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#7a52c7" }, mk);

  // Time axis with units.
  const axis = el("g", { class: "axis" }, svg);
  const unit = span < 1e-3 ? ["µs", 1e6] : span < 1 ? ["ms", 1e3] : ["s", 1];
  const raw = span / 8, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) || raw;
  for (let t = 0; t <= span + step * 1e-9; t += step) {
    const x = X(t0 + t);
    el("line", { x1: x, x2: x, y1: TOP - 6, y2: height - 24 }, axis);
    const v = +(t * unit[1]).toPrecision(6);
    el("text", { x, y: TOP - 10, "text-anchor": "middle" }, axis, `${v} ${unit[0]}`);
  }
  el("text", { x: 8, y: TOP - 10 }, axis, `time (${D.clock})`);

  // Lanes.
  const lanes = el("g", { id: "lanes" }, svg);
  tracks.forEach((t, i) => {
    const g = el("g", { class: t.serial === 0 ? "lane loop-lane" : "lane task-lane", "data-task": t.name }, lanes);
    const y = laneY(t.serial);
    el("rect", { class: "lane-bg" + (i % 2 ? " odd" : ""), x: 0, y, width, height: LANE }, g);
    el("text", { class: "lane-name", x: 8, y: y + 19 }, g, t.name);
    el("text", { class: "lane-coro", x: 8, y: y + 35 }, g, t.serial === 0 ? "timers, top level" : t.coro ? t.coro + "()" : "");
    t.g = g;
  });

  // Waiting spans between a task's steps, labelled with what it waits for.
  const perTask = new Map();
  for (const s of slices) {
    if (!perTask.has(s.track)) perTask.set(s.track, []);
    perTask.get(s.track).push(s);
  }
  for (const [serial, list] of perTask) {
    if (serial === 0) continue;
    const t = tracks[laneOf.get(serial)];
    const y = laneY(serial) + (LANE - BAR) / 2;
    for (let i = 0; i < list.length; i++) {
      const s = list[i], next = list[i + 1];
      if (!next && t.end) continue;
      const a = s.x1, b = next ? next.x0 : endX;
      if (b - a < 2 || !s.reason.startsWith("waits") && !s.reason.startsWith("yields")) continue;
      const w = el("g", { class: "wait-span" }, t.g);
      const r = el("rect", { class: "wait", x: a, y: y + 4, width: b - a, height: BAR - 8, rx: 3 }, w);
      tip(r, `${t.name} ${s.reason}`);
      if (b - a > 60) {
        const cp = "clip" + s.seq;
        const c = el("clipPath", { id: cp }, defs);
        el("rect", { x: a + 3, y, width: b - a - 6, height: BAR }, c);
        el("text", { class: "wait-label", x: a + 5, y: y + BAR - 5, "clip-path": `url(#${cp})` }, w, s.reason);
      }
    }
  }

  // Running slices.
  for (const s of slices) {
    const t = tracks[laneOf.get(s.track)];
    const y = laneY(s.track) + (LANE - BAR) / 2;
    const r = el("rect", { class: s.track === 0 ? "run timer" : "run", x: s.x0, y, width: s.x1 - s.x0, height: BAR, rx: 2, "data-step": s.seq }, t.g);
    const ran = ((s.end - s.start) * 1e3).toPrecision(3);
    tip(r, `${t.name}: step ${s.seq} at ${(s.start - t0).toFixed(6)} s, ran ${ran} ms\nthen ${s.reason}`);
  }

  // Wake-up arrows: from the step (or timer) that woke a task to the step it ran next.
  const arrows = el("g", { id: "wakes" }, svg);
  for (const s of slices) {
    if (s.from === null || s.from === undefined) continue;
    const src = bySeq.get(s.from);
    if (!src || src.track === s.track) continue;
    const y1 = laneY(src.track) + LANE / 2, y2 = laneY(s.track) + LANE / 2;
    const x1 = src.x1, x2 = s.x0;
    const mx = (x1 + x2) / 2;
    const p = el("path", { class: "wake", d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2 - 1},${y2}`, "marker-end": "url(#arrow)" }, arrows);
    tip(p, `${tracks[laneOf.get(src.track)].name} woke ${tracks[laneOf.get(s.track)].name}`);
  }

  // Instants: cancellations, exceptions, ends.
  for (const i of D.instants) {
    if (!laneOf.has(i.track) || i.kind === "create") continue;
    const t = tracks[laneOf.get(i.track)];
    const s = i.by !== null ? bySeq.get(i.by) : null;
    const x = s && s.track === i.track ? s.x1 : s ? s.x1 : X(i.ts);
    const y = laneY(i.track);
    let m;
    if (i.kind === "cancel") {
      m = el("g", { class: "cancel-mark" }, t.g);
      el("line", { class: "cancel", x1: x - 5, y1: y + 6, x2: x + 5, y2: y + 16 }, m);
      el("line", { class: "cancel", x1: x + 5, y1: y + 6, x2: x - 5, y2: y + 16 }, m);
    } else if (i.kind === "exception") {
      m = el("path", { class: "exception", d: `M${x},${y + 4} l6,11 l-12,0 z` }, t.g);
    } else if (i.kind === "done" || i.kind === "cancelled") {
      m = el("rect", { class: "done", x: x + 1, y: y + (LANE - BAR) / 2, width: 2, height: BAR }, t.g);
    } else continue;
    tip(m, `${t.name}: ${i.kind}${i.detail ? " — " + i.detail : ""}`);
  }

  // Printed lines: a marker in the step that printed them.
  const seen = new Map();
  D.prints.forEach((p, n) => {
    if (!laneOf.has(p.track)) return;
    const t = tracks[laneOf.get(p.track)];
    const s = p.by !== null ? bySeq.get(p.by) : null;
    const k = (seen.get(p.by) || 0) + 1;
    seen.set(p.by, k);
    const x = s && s.track === p.track ? Math.min(s.x0 + 3 * k, s.x1) : X(p.ts);
    const y = laneY(p.track) + LANE - 8;
    const c = el("circle", { class: "print", cx: x, cy: y, r: 4, "data-line": n + 1 }, t.g);
    tip(c, `${t.name} printed (line ${n + 1} of the output):\n${p.text}`);
  });

  document.getElementById("chart").appendChild(svg);

  // The output, numbered, so the markers can be matched with it.
  const ol = document.querySelector("#output ol");
  D.prints.forEach((p) => {
    const li = document.createElement("li");
    const who = document.createElement("span");
    const t = laneOf.has(p.track) ? tracks[laneOf.get(p.track)].name : "";
    who.textContent = `[${t}] `;
    li.appendChild(who);
    li.appendChild(document.createTextNode(p.text));
    ol.appendChild(li);
  });

  // Hover text.
  const box = document.getElementById("tip");
  svg.addEventListener("mousemove", (ev) => {
    const t = ev.target.closest("[data-tip]");
    if (!t) { box.hidden = true; return; }
    box.textContent = t.dataset.tip;
    box.hidden = false;
    box.style.left = ev.clientX + 14 + "px";
    box.style.top = ev.clientY + 12 + "px";
  });
  svg.addEventListener("mouseleave", () => { box.hidden = true; });
})();
