// Naming the current query, to find it again with what is new since.
import { NameDialog } from './NameDialog';

export function SaveSearchDialog({ query, onClose }: { query: string; onClose: () => void }) {
  return (
    <NameDialog
      title="Save this search"
      idPrefix="save-search"
      label="Name"
      initial={query.slice(0, 80)}
      confirm="Save"
      save={(name, run) => run('saveSearch', { name, query })}
      onClose={onClose}
    >
      <p>
        <code>{query}</code>
      </p>
    </NameDialog>
  );
}
