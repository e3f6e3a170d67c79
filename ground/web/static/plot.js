"use strict";
// A small time-series plot on a canvas: points [[unix seconds, value], ...], UTC time axis, value axis
// with the unit, limit lines dashed red, enum values by name, a step line for whole-number parameters,
// events (options.events: {onboard_unix_s, name, severity}) as labelled vertical lines.

function utcLabel(t, span) {
  const iso = new Date(t * 1000).toISOString();
  return span > 86400 ? iso.slice(5, 16).replace("T", " ") : iso.slice(11, 19);
}

function niceTicks(low, high, count) {
  const span = high - low || 1;
  const raw = span / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(low / step) * step; v <= high + step * 1e-9; v += step) ticks.push(v);
  return ticks;
}

function drawPlot(canvas, points, options) {
  const opts = options || {};
  const ctx = canvas.getContext("2d");
  const width = canvas.width;
  const height = canvas.height;
  const left = 70, right = 12, top = 18, bottom = 28;
  ctx.clearRect(0, 0, width, height);
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = "#5b6672";
  const values = points.filter((p) => typeof p[1] === "number");
  canvas.dataset.points = String(values.length);
  canvas.dataset.events = "0";
  if (values.length === 0) {
    ctx.fillText(opts.empty || "no samples", left, height / 2);
    return;
  }
  let t0 = values[0][0], t1 = values[values.length - 1][0];
  canvas.dataset.span = `${t0},${t1}`;
  if (t1 <= t0) { t0 -= 1; t1 += 1; }
  let v0 = Math.min(...values.map((p) => p[1])), v1 = Math.max(...values.map((p) => p[1]));
  for (const limit of [opts.low, opts.high]) {
    if (typeof limit === "number") { v0 = Math.min(v0, limit); v1 = Math.max(v1, limit); }
  }
  if (v1 <= v0) { v0 -= 1; v1 += 1; }
  const pad = (v1 - v0) * 0.05;
  v0 -= pad; v1 += pad;
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (width - left - right);
  const y = (v) => top + (1 - (v - v0) / (v1 - v0)) * (height - top - bottom);

  ctx.strokeStyle = "#eceff2";
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  const names = opts.names || {};
  const yTicks = Object.keys(names).length ? Object.keys(names).map(Number).filter((v) => v >= v0 && v <= v1)
    : niceTicks(v0, v1, 5);
  for (const v of yTicks) {
    ctx.beginPath(); ctx.moveTo(left, y(v)); ctx.lineTo(width - right, y(v)); ctx.stroke();
    const label = names[v] !== undefined ? names[v] : Number(v.toPrecision(6)).toString();
    ctx.fillText(label, left - 4, y(v));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  const tTicks = niceTicks(t0, t1, 6);
  for (const t of tTicks) {
    ctx.beginPath(); ctx.moveTo(x(t), top); ctx.lineTo(x(t), height - bottom); ctx.stroke();
    ctx.fillText(utcLabel(t, t1 - t0), x(t), height - bottom + 6);
  }
  ctx.textAlign = "left";
  ctx.fillText(`${opts.title || ""}${opts.unit ? " [" + opts.unit + "]" : ""}`, left, 2);

  ctx.strokeStyle = "#b3261e";
  ctx.setLineDash([5, 4]);
  for (const limit of [opts.low, opts.high]) {
    if (typeof limit !== "number") continue;
    ctx.beginPath(); ctx.moveTo(left, y(limit)); ctx.lineTo(width - right, y(limit)); ctx.stroke();
  }
  ctx.setLineDash([]);

  const markers = (opts.events || []).filter((e) => e.onboard_unix_s >= t0 && e.onboard_unix_s <= t1);
  canvas.dataset.events = String(markers.length);
  ctx.textAlign = "left";
  ctx.textBaseline = "top";
  markers.forEach((e, i) => {
    ctx.strokeStyle = ctx.fillStyle = e.severity === "INFO" ? "#8a6d00" : "#b3261e";
    ctx.beginPath(); ctx.moveTo(x(e.onboard_unix_s), top); ctx.lineTo(x(e.onboard_unix_s), height - bottom); ctx.stroke();
    ctx.fillText(e.name, x(e.onboard_unix_s) + 3, top + 2 + (i % 4) * 13);
  });

  ctx.strokeStyle = "#1c64b4";
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  values.forEach((p, i) => {
    if (i === 0) { ctx.moveTo(x(p[0]), y(p[1])); return; }
    if (opts.steps) ctx.lineTo(x(p[0]), y(values[i - 1][1]));
    ctx.lineTo(x(p[0]), y(p[1]));
  });
  ctx.stroke();
  ctx.lineWidth = 1;
  if (values.length < 60) {
    ctx.fillStyle = "#1c64b4";
    for (const p of values) { ctx.fillRect(x(p[0]) - 2, y(p[1]) - 2, 4, 4); }
  }
}
