// Formatting of numbers, durations, sizes and times for display.

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export const TERMINAL = ['completed', 'failed', 'cancelled'];
export const isTerminal = (status) => TERMINAL.includes(status);

export function fmtInt(n) {
  return n === null || n === undefined ? '–' : integer.format(n);
}

export function fmtRate(itPerSec) {
  if (itPerSec === null || itPerSec === undefined) return '–';
  return itPerSec >= 100 ? integer.format(itPerSec) : itPerSec.toFixed(1);
}

export function fmtLoss(x) {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(3);
}

export function fmtPercent(x) {
  return x === null || x === undefined || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(0)}%`;
}

/** 42 s, 3 min 05 s, 1 h 02 min, 2 d 3 h. */
export function fmtDuration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

/** "14:03:12" today, "12 Mar 14:03" on other days; the full time goes in a title attribute. */
export function fmtTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  const today = new Date().toDateString() === d.toDateString();
  return today
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })
    : d.toLocaleString([], { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
}

export function fmtFullTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}
