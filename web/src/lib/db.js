// A small key-value store on IndexedDB: the encrypted keystore, the pinned network, the last
// verified balance, the offline purse and inbox. Values are structured-cloned (bytes stay bytes).

const NAME = 'tenge-wallet';
let opened = null;

function open() {
  opened ??= new Promise((resolve, reject) => {
    const request = indexedDB.open(NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('kv');
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  return opened;
}

async function run(mode, action) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction('kv', mode);
    const request = action(tx.objectStore('kv'));
    tx.oncomplete = () => resolve(request.result);
    tx.onerror = () => reject(tx.error);
  });
}

/** The value under `key`, or undefined. */
export const get = (key) => run('readonly', (store) => store.get(key));
/** Store `value` under `key` (one transaction: never half written). */
export const put = (key, value) => run('readwrite', (store) => store.put(value, key));
/** Remove `key`. */
export const remove = (key) => run('readwrite', (store) => store.delete(key));
