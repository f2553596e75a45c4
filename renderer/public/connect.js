// The desktop app's first question (main/electron/main.ts): this computer, or a team server. The
// preload's omvConnect.choose() answers with null when main took the choice, or with why not.
const form = document.getElementById('choice');
const problem = document.getElementById('problem');
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const choice = data.get('kind') === 'team' ? { kind: 'team', url: String(data.get('url') ?? '') } : { kind: 'local' };
  problem.textContent = '';
  const refused = await window.omvConnect.choose(choice);
  if (refused) problem.textContent = refused;
});
