// A tag as a small chip in its colour (a hold says so).
import { useDesk } from '../data/desk';

export function TagChip({ name }: { name: string }) {
  const tag = useDesk().tags.get(name);
  return (
    <span className={`tag-chip${tag?.hold ? ' tag-hold' : ''}`} data-tag={name} title={tag?.hold ? `${name} (a hold)` : name}>
      <span
        className="tag-dot"
        data-colour={tag?.colour ?? ''}
        aria-hidden
        ref={(el) => el?.style.setProperty('--tag', tag?.colour ?? 'currentColor')}
      />
      {name}
    </span>
  );
}
