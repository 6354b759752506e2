export async function showOffline(state) { document.getElementById('offline-body').textContent = 'Soon'; const { showScreen } = await import('./ui.js'); showScreen('offline'); }
