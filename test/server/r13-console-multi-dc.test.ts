/**
 * SPEC R13.1: the developer console's "Multi DC" section enables an app per data centre.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../helpers/stores.ts';
import { Browser, hiddenField, signIn, startServer, type TestServer } from '../helpers/server.ts';

describe.each(storeKinds)('R13.1 console Multi DC on $name', (kind) => {
  let multi: TestServer;
  let single: TestServer;
  beforeAll(async () => {
    multi = await startServer(kind, { throttle: false, dataCentres: 'us,eu' });
    single = await startServer(kind, { throttle: false });
  });
  afterAll(async () => {
    await multi.close();
    await single.close();
  });

  async function ownApp(server: TestServer) {
    const user = await server.addUser();
    const browser = new Browser(server.url);
    await signIn(browser, user.email, user.password, '/console');
    const app = await server.addClient({ owner: user.zuid });
    const path = `/console/apps/${app.clientId}`;
    const save = async (form: Record<string, string>) => {
      const csrf = hiddenField(await (await browser.get(path)).text(), '_csrf');
      return browser.post(`${path}/data-centres`, { _csrf: csrf, ...form });
    };
    return { app, browser, path, save };
  }

  it('R13.1: with several data centres the app page has a Multi DC section, every data centre checked by default', async () => {
    const { browser, path } = await ownApp(multi);
    const page = await (await browser.get(path)).text();
    expect(page).toContain('<h2 id="multi-dc-heading">Multi DC</h2>');
    expect(page).toContain('<input type="checkbox" name="dc" value="us" checked> US');
    expect(page).toContain('<input type="checkbox" name="dc" value="eu" checked> EU');
    expect(page).toContain('Save Multi DC');
  });

  it('R13.1: saving only us enables the app in us alone; saving none changes nothing and says so', async () => {
    const { app, browser, path, save } = await ownApp(multi);
    const saved = await save({ dc: 'us' });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`${path}?done=multi-dc`);
    expect((await multi.store.findClient(app.clientId))?.dataCentres).toEqual(['us']);
    const page = await (await browser.get(path)).text();
    expect(page).toContain('<input type="checkbox" name="dc" value="eu"> EU');
    const none = await save({});
    expect(none.headers.get('location')).toBe(`${path}?done=multi-dc-empty`);
    expect((await multi.store.findClient(app.clientId))?.dataCentres).toEqual(['us']);
    expect(await (await browser.get(`${path}?done=multi-dc-empty`)).text()).toContain(
      'check at least one data centre',
    );
  });

  it('R13.1: a server of one data centre shows no Multi DC section', async () => {
    const { browser, path } = await ownApp(single);
    expect(await (await browser.get(path)).text()).not.toContain('Multi DC');
  });

  it("R13.1: another developer cannot change an app's data centres", async () => {
    const { path } = await ownApp(multi);
    const stranger = await multi.addUser();
    const browser = new Browser(multi.url);
    await signIn(browser, stranger.email, stranger.password, '/console');
    const csrf = hiddenField(await (await browser.get('/console')).text(), '_csrf');
    const res = await browser.post(`${path}/data-centres`, { _csrf: csrf, dc: 'eu' });
    expect(res.status).toBe(404);
  });
});
