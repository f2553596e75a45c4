// Handing the moderator a file in the browser: a link clicked for them, to a URL or to text made here.

/** Starts a download of `href` (the file's own name when `name` is empty). */
export function download(href: string, name = ''): void {
  const link = document.createElement('a');
  link.href = href;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

/** Offers `text` as a file called `name`. */
export function downloadText(name: string, text: string, type = 'text/plain'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  download(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
