// Where focus goes when the desk moves from one view to another: the new view's first item (its
// list, once drawn: the hits, the timeline, the report queue) or its heading. A keyboard user
// never lands on the page's body and never has to Tab back from the top.

/** What a view marks as its first item: `data-view-focus` (a list that is one tab stop). */
const FIRST_ITEM = '[data-view-focus]';

/** A list's tab stop: the list itself (a grid), or the item of a roving list that holds it. */
function tabStopOf(list: HTMLElement): HTMLElement {
  if (list.tabIndex >= 0) return list;
  return list.querySelector<HTMLElement>('[tabindex="0"]') ?? list;
}
/** How long a list may take to draw before the heading takes focus instead. */
const WAIT_MS = 3000;

/**
 * Focuses the view in `main`: its first item when `list` is expected (waiting for it to draw), else
 * its heading. Answers how to stop waiting (the view changed again).
 */
export function focusView(main: HTMLElement, list: boolean): () => void {
  const heading = () => main.querySelector<HTMLElement>('#view-title');
  if (!list) {
    heading()?.focus();
    return () => {};
  }
  const until = performance.now() + WAIT_MS;
  let frame = 0;
  const look = () => {
    const item = main.querySelector<HTMLElement>(FIRST_ITEM);
    if (item) return tabStopOf(item).focus();
    if (performance.now() > until) return heading()?.focus();
    frame = requestAnimationFrame(look);
  };
  look();
  return () => cancelAnimationFrame(frame);
}

/** The skip links' targets: the search box, the view's list, the chart. */
export function skipTo(target: 'search' | 'list' | 'chart'): void {
  const selector = {
    search: '[data-testid=search]',
    list: `${FIRST_ITEM}, .main [role=grid], .main .report-list`,
    chart: '.histogram-plot',
  }[target];
  const found = document.querySelector<HTMLElement>(selector);
  if (found) tabStopOf(found).focus();
}
