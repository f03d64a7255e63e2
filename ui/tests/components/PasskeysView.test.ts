import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import PasskeysView from '../../src/components/PasskeysView.svelte';
import { passkey } from '../fixtures';
import { installEventBus, mockedApi, text } from './helpers';

vi.mock('../../src/lib/api');

const NOW = 1_750_000_000_000;
const ghAlice = passkey({ id: 'gh-alice', rpId: 'github.com', rpName: 'GitHub', userName: 'alice', nickname: 'Work laptop' });
const ghZed = passkey({ id: 'gh-zed', rpId: 'github.com', rpName: 'GitHub', userName: 'zed', userDisplayName: 'Zed', lastUsedAt: 1_750_000_000 - 3 * 3600 });
const exAlice = passkey({ id: 'ex-alice', rpId: 'example.com', rpName: null, userName: 'alice' });
const goo = passkey({ id: 'goo', rpId: 'google.com', rpName: 'Google', userName: 'carol@gmail.com', userDisplayName: 'Carol' });

let bus: ReturnType<typeof installEventBus>;
let onerror: ReturnType<typeof vi.fn<(e: unknown) => void>>;

beforeEach(() => {
  vi.resetAllMocks();
  bus = installEventBus();
  onerror = vi.fn<(e: unknown) => void>();
  mockedApi.listPasskeys.mockResolvedValue([goo, ghZed, exAlice, ghAlice]);
});

const rowIds = () => screen.queryAllByTestId('passkey-row').map((r) => r.dataset.id);
const selectedId = () => screen.getByTestId('passkey-list').querySelector('[aria-selected="true"]')?.getAttribute('data-id');

async function setup() {
  render(PasskeysView, { props: { now: NOW, onerror } });
  await screen.findAllByTestId('passkey-row');
}

describe('passkey list', () => {
  it('renders sorted site groups with rows as listbox options', async () => {
    await setup();
    const groups = screen.getAllByTestId('site-group');
    expect(groups.map((g) => g.dataset.rpId)).toEqual(['example.com', 'github.com', 'google.com']);
    // rpId shown small only when the name differs
    expect(text(groups[1])).toContain('GitHub');
    expect(text(groups[1])).toContain('github.com');
    expect(text(groups[0])).toBe('E example.com');

    expect(rowIds()).toEqual(['ex-alice', 'gh-alice', 'gh-zed', 'goo']);
    const list = screen.getByRole('listbox');
    expect(list).toBe(screen.getByTestId('passkey-list'));
    expect(within(list).getAllByRole('option')).toHaveLength(4);

    const row = screen.getAllByTestId('passkey-row')[1];
    expect(text(row)).toContain('alice');
    expect(text(row)).toContain('Work laptop');
    expect(text(row)).toContain('Never used');
    expect(text(screen.getAllByTestId('passkey-row')[2])).toContain('Last used 3 hours ago');
    expect(text(screen.getByTestId('result-count'))).toBe('4 passkeys');
  });

  it('filters as you type, with a count and a no-results state', async () => {
    await setup();
    const search = screen.getByTestId('search') as HTMLInputElement;

    await fireEvent.input(search, { target: { value: 'GIT' } });
    expect(rowIds()).toEqual(['gh-alice', 'gh-zed']);
    expect(screen.getAllByTestId('site-group')).toHaveLength(1);
    expect(text(screen.getByTestId('result-count'))).toBe('2 of 4 passkeys');

    await fireEvent.input(search, { target: { value: 'laptop' } });
    expect(rowIds()).toEqual(['gh-alice']);

    await fireEvent.input(search, { target: { value: 'alice' } });
    expect(rowIds()).toEqual(['ex-alice', 'gh-alice']);

    await fireEvent.input(search, { target: { value: 'zzz' } });
    expect(rowIds()).toEqual([]);
    expect(text(screen.getByTestId('empty-state'))).toContain('No results for “zzz”');

    // Escape clears the search
    await fireEvent.keyDown(search, { key: 'Escape' });
    expect(search.value).toBe('');
    expect(rowIds()).toHaveLength(4);
  });

  it('moves the selection with the keyboard across groups and opens delete with Delete', async () => {
    await setup();
    const list = screen.getByTestId('passkey-list');
    expect(selectedId()).toBe('ex-alice');
    expect(screen.getByTestId('details').textContent).toContain('example.com');

    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(selectedId()).toBe('gh-alice');
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    await fireEvent.keyDown(list, { key: 'ArrowDown' });
    expect(selectedId()).toBe('goo'); // clamped at the end
    await fireEvent.keyDown(list, { key: 'ArrowUp' });
    expect(selectedId()).toBe('gh-zed');
    expect(list.getAttribute('aria-activedescendant')).toBe(screen.getAllByTestId('passkey-row')[2].id);
    expect(text(screen.getByTestId('details'))).toContain('zed');

    // Arrow keys work from the search box too, over the filtered list
    const search = screen.getByTestId('search');
    await fireEvent.input(search, { target: { value: 'alice' } });
    expect(selectedId()).toBe('ex-alice'); // gh-zed filtered away -> first result
    await fireEvent.keyDown(search, { key: 'ArrowDown' });
    expect(selectedId()).toBe('gh-alice');

    // Enter focuses the details pane
    await fireEvent.keyDown(search, { key: 'Enter' });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByTestId('details')));
    // Escape in the pane goes back to the list
    await fireEvent.keyDown(screen.getByTestId('details'), { key: 'Escape' });
    expect(document.activeElement).toBe(list);

    await fireEvent.keyDown(list, { key: 'Delete' });
    expect(text(screen.getByRole('alertdialog'))).toContain('Delete the passkey for alice on github.com?');
  });

  it('marks options with their position since not all are in the DOM', async () => {
    await setup();
    const rows = screen.getAllByTestId('passkey-row');
    expect(rows.map((r) => [r.getAttribute('aria-posinset'), r.getAttribute('aria-setsize')])).toEqual([
      ['1', '4'],
      ['2', '4'],
      ['3', '4'],
      ['4', '4'],
    ]);
    await fireEvent.input(screen.getByTestId('search'), { target: { value: 'alice' } });
    expect(screen.getAllByTestId('passkey-row').map((r) => r.getAttribute('aria-posinset') + '/' + r.getAttribute('aria-setsize'))).toEqual(['1/2', '2/2']);
  });

  it('renders only a window of a long list, always including the selected row', async () => {
    const many = Array.from({ length: 2000 }, (_, i) =>
      passkey({ id: `k${String(i).padStart(4, '0')}`, rpId: `site${String(Math.floor(i / 10)).padStart(3, '0')}.example`, userName: `user${String(i % 10)}` }),
    );
    mockedApi.listPasskeys.mockResolvedValue(many);
    await setup();
    const list = screen.getByTestId('passkey-list');
    const shown = rowIds();
    expect(shown.length).toBeGreaterThan(5);
    expect(shown.length).toBeLessThan(40);
    expect(shown[0]).toBe('k0000');
    expect(text(screen.getByTestId('result-count'))).toBe('2000 passkeys');

    await fireEvent.keyDown(list, { key: 'End' });
    expect(selectedId()).toBe('k1999');
    const sel = list.querySelector('[aria-selected="true"]')!;
    expect(list.getAttribute('aria-activedescendant')).toBe(sel.id);
    expect(sel.getAttribute('aria-posinset')).toBe('2000');
    expect(sel.getAttribute('aria-setsize')).toBe('2000');
    expect(text(screen.getByTestId('details'))).toContain('site199.example');

    await fireEvent.keyDown(list, { key: 'ArrowUp' });
    expect(selectedId()).toBe('k1998');

    // Searching narrows the list; the count covers all matches, not just the rendered rows.
    await fireEvent.input(screen.getByTestId('search'), { target: { value: 'site19' } });
    expect(text(screen.getByTestId('result-count'))).toBe('100 of 2000 passkeys');
    expect(selectedId()).toBe('k1998'); // still matches, so it stays selected
    expect(rowIds().length).toBeLessThan(40);
  });

  it('Ctrl+F focuses the search box', async () => {
    await setup();
    await fireEvent.keyDown(window, { key: 'f', ctrlKey: true });
    expect(document.activeElement).toBe(screen.getByTestId('search'));
  });

  it('reloads on vault-changed', async () => {
    await setup();
    mockedApi.listPasskeys.mockResolvedValue([goo]);
    bus.emit('vault-changed');
    await waitFor(() => expect(rowIds()).toEqual(['goo']));
  });

  it('shows the empty-vault explanation', async () => {
    mockedApi.listPasskeys.mockResolvedValue([]);
    render(PasskeysView, { props: { now: NOW, onerror } });
    const empty = await screen.findByTestId('empty-state');
    expect(text(empty)).toContain('No passkeys yet');
    expect(text(empty)).toContain('choose Latchkey');
  });

  it('reports a load failure instead of swallowing it', async () => {
    mockedApi.listPasskeys.mockRejectedValue('Latchkey is locked.');
    render(PasskeysView, { props: { now: NOW, onerror } });
    await waitFor(() => expect(onerror).toHaveBeenCalledWith('Latchkey is locked.'));
  });
});

describe('delete', () => {
  it('confirmation names site and account, calls the api, and offers undo', async () => {
    mockedApi.deletePasskey.mockResolvedValue({ undoId: 'undo-1', undoSeconds: 10 });
    mockedApi.undoDelete.mockResolvedValue(undefined);
    await setup();

    await fireEvent.click(screen.getAllByTestId('passkey-row')[0]); // alice on example.com
    await fireEvent.click(screen.getByTestId('delete-button'));
    const dialog = screen.getByRole('alertdialog');
    expect(text(dialog)).toContain(
      'Delete the passkey for alice on example.com? You will no longer be able to sign in to example.com with it from this PC.',
    );
    expect(mockedApi.deletePasskey).not.toHaveBeenCalled();

    mockedApi.listPasskeys.mockResolvedValue([goo, ghZed, ghAlice]);
    await fireEvent.click(screen.getByTestId('confirm-delete'));
    expect(mockedApi.deletePasskey).toHaveBeenCalledWith('ex-alice');

    const undo = await screen.findByTestId('undo-button');
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(rowIds()).not.toContain('ex-alice');
    expect(selectedId()).toBe('gh-alice'); // the next row
    expect(text(screen.getByTestId('undo-toast'))).toContain('Deleted the passkey for alice on example.com');
    expect(text(screen.getByTestId('undo-toast'))).toMatch(/10s|9s/);

    mockedApi.listPasskeys.mockResolvedValue([goo, ghZed, exAlice, ghAlice]);
    await fireEvent.click(undo);
    expect(mockedApi.undoDelete).toHaveBeenCalledWith('undo-1');
    await waitFor(() => expect(screen.queryByTestId('undo-button')).toBeNull());
    await waitFor(() => expect(selectedId()).toBe('ex-alice'));
  });

  it('Cancel and Escape do not delete', async () => {
    await setup();
    await fireEvent.click(screen.getByTestId('delete-button'));
    await fireEvent.keyDown(screen.getByRole('alertdialog'), { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    await fireEvent.click(screen.getByTestId('delete-button'));
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(mockedApi.deletePasskey).not.toHaveBeenCalled();
  });

  it('shows a failed delete and keeps the passkey', async () => {
    mockedApi.deletePasskey.mockRejectedValue('The vault file is read-only.');
    await setup();
    await fireEvent.click(screen.getByTestId('delete-button'));
    await fireEvent.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => expect(onerror).toHaveBeenCalledWith('The vault file is read-only.'));
    expect(rowIds()).toContain('ex-alice');
    expect(screen.queryByTestId('undo-button')).toBeNull();
  });
});

describe('rename', () => {
  it('Enter saves, an empty name clears, Escape cancels', async () => {
    // A backend that remembers nicknames.
    let vault = [goo, ghZed, exAlice, ghAlice].map((p) => ({ ...p }));
    mockedApi.listPasskeys.mockImplementation(async () => vault.map((p) => ({ ...p })));
    mockedApi.renamePasskey.mockImplementation(async (id, nickname) => {
      vault = vault.map((p) => (p.id === id ? { ...p, nickname } : p));
    });
    await setup();
    const input = screen.getByTestId('nickname-input') as HTMLInputElement;
    expect(input.value).toBe('');

    await fireEvent.input(input, { target: { value: '  Home  ' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    expect(mockedApi.renamePasskey).toHaveBeenLastCalledWith('ex-alice', 'Home');
    await waitFor(() => expect(text(screen.getAllByTestId('passkey-row')[0])).toContain('Home'));

    await fireEvent.input(input, { target: { value: 'Other' } });
    await fireEvent.keyDown(input, { key: 'Escape' });
    expect(input.value).toBe('Home');

    await fireEvent.input(input, { target: { value: '' } });
    await fireEvent.click(screen.getByTestId('rename-save'));
    expect(mockedApi.renamePasskey).toHaveBeenLastCalledWith('ex-alice', null);
    expect(mockedApi.renamePasskey).toHaveBeenCalledTimes(2);
  });
});
