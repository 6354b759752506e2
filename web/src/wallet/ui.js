// Small DOM helpers: find, show one screen, announce to screen readers, write text safely.

export const $ = (id) => document.getElementById(id);

/** Show one screen, hide the others, move focus to its heading (for keyboard and readers). */
export function showScreen(name) {
  // The first real screen is when the app becomes usable: the benchmark's time to interactive.
  if (!performance.getEntriesByName('tenge-interactive').length) performance.mark('tenge-interactive');
  for (const screen of document.querySelectorAll('.screen')) screen.hidden = screen.id !== `screen-${name}`;
  const heading = document.querySelector(`#screen-${name} h1`);
  heading?.focus({ preventScroll: false });
}

/** A polite status message (read out by screen readers). */
export function announce(text) {
  $('status').textContent = text;
}

/** Set an element's text (never HTML). */
export function text(id, value) {
  $(id).textContent = value;
}

/** A list item with labelled parts: `[[text, className], ...]`. */
export function item(parts) {
  const li = document.createElement('li');
  for (const [value, cls] of parts) {
    const span = document.createElement('span');
    span.textContent = value;
    if (cls) span.className = cls;
    li.append(span);
  }
  return li;
}

/** Mark an element verified / not verified. */
export function mark(id, ok, label) {
  const el = $(id);
  el.textContent = label;
  el.className = `mark ${ok ? 'ok' : 'bad'}`;
}

/** Offer bytes as a file download. */
export function download(name, bytes, type) {
  const url = URL.createObjectURL(new Blob([bytes], { type }));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
