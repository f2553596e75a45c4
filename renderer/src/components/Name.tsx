// Stored text on the screen, unable to spoof what is around it. A name (a room's, a user's ID or
// display name, a moderator's) is isolated (<bdi>: a right-to-left name does not reorder the text
// beside it) and shows each control or invisible character as its escape, marked and explained in
// a tooltip (shared/visibleText.ts). Message content (`Visible kind="content"`) keeps right-to-left
// letters, marks and joiners; only the overrides, embeddings and isolates are shown as escapes.
import { visibleParts } from '../../../shared/visibleText';

export function Visible({ text, kind = 'name' }: { text: string; kind?: 'name' | 'content' }) {
  return (
    <>
      {visibleParts(text, kind).map((part, i) =>
        typeof part === 'string' ? (
          part
        ) : (
          <span key={i} className="hidden-char" dir="ltr" title={part.about} data-testid="hidden-char">
            {part.escape}
          </span>
        ),
      )}
    </>
  );
}

/** A name from the data, isolated from what is around it, its hidden characters shown. */
export function Name({ text, className }: { text: string; className?: string | undefined }) {
  return (
    <bdi className={className}>
      <Visible text={text} />
    </bdi>
  );
}
