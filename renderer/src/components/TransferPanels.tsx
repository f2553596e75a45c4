// How an import or an export is going, and how it ended.
import { cancelExport, type ExportState } from '../data/useExport';
import { downloadText } from '../download';
import type { ImportState } from '../data/useImport';
import { formatCount } from '../numbers';

function Dismiss({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" className="ghost" onClick={onClick} aria-label="dismiss">
      ✕
    </button>
  );
}

export function ImportPanel({ state, onDismiss }: { state: ImportState; onDismiss: () => void }) {
  if (state.phase === 'running') {
    return (
      <div className="notice" role="status" data-testid="import-panel">
        Importing {state.name}… {state.entries ? `${formatCount(state.entries)} entries` : ''}
        <progress max={1} value={state.fraction} aria-label={`importing ${state.name}`} />
      </div>
    );
  }
  return (
    <div className={`notice${state.phase === 'failed' ? ' notice-error' : ''}`} role="status" data-testid="import-panel">
      {state.phase === 'failed' ? (
        <>Import failed: {state.error}</>
      ) : (
        <ul className="import-results" data-testid="import-results">
          {state.results.map((r) => (
            <li key={r.name} className={`import-${r.status}`}>
              <strong>{r.status}</strong> {r.name}
              {r.status === 'failed' ? `: ${r.error}` : ` — ${formatCount(r.entries)} entries, ${formatCount(r.newEntries)} new`}
            </li>
          ))}
        </ul>
      )}
      <Dismiss onClick={onDismiss} />
    </div>
  );
}

export function ExportPanel({ state, onDismiss }: { state: ExportState; onDismiss: () => void }) {
  const rows = `${formatCount(state.rows)} ${state.rows === 1 ? 'entry' : 'entries'}`;
  const manifest = state.manifest;
  const total = state.total;
  const sofar = total === undefined ? `${rows} so far` : `${formatCount(state.rows)} of ${formatCount(total)} entries`;
  return (
    <div className={`notice${state.error ? ' notice-error' : ''}`} role="status" data-testid="export-panel">
      {state.error
        ? `Export stopped: ${state.error}`
        : state.done
          ? `Exported ${rows} to CSV${manifest ? (manifest.ids === 'pseudonymous' ? ', users by their pseudonyms' : ', users by their IDs') : ''}.`
          : `Exporting CSV… ${sofar}`}
      {!state.done && total !== undefined && (
        <progress max={Math.max(total, 1)} value={state.rows} aria-label="export progress" data-testid="export-progress" />
      )}
      {!state.done && (
        <button type="button" className="ghost" onClick={() => void cancelExport()} data-testid="cancel-export">
          Cancel
        </button>
      )}
      {manifest && (
        <>
          <span className="muted" title={manifest.sha256} data-testid="export-manifest">
            SHA-256 {manifest.sha256.slice(0, 12)}… · audit row {manifest.auditRow}
          </span>
          <button
            type="button"
            className="ghost"
            onClick={() => downloadText(`${manifest.file}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json')}
            data-testid="save-manifest"
          >
            Save manifest
          </button>
        </>
      )}
      {state.done && <Dismiss onClick={onDismiss} />}
    </div>
  );
}
