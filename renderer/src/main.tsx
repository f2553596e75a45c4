import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { DeskBoundary } from './components/PartBoundary';
import { DeskProvider } from './data/desk';
import { queryClient } from './data/queryClient';
import { askNewestEarly } from './data/useKeysetWindow';
import './styles.css';

// The desk opens on the newest entries: asked for before anything is drawn.
askNewestEarly();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DeskBoundary>
      <QueryClientProvider client={queryClient}>
        <DeskProvider>
          <App />
        </DeskProvider>
      </QueryClientProvider>
    </DeskBoundary>
  </StrictMode>,
);
