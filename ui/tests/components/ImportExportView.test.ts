import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import ImportExportView from '../../src/components/ImportExportView.svelte';
import { passkey } from '../fixtures';
import { deferred, installEventBus, mockedApi, text } from './helpers';
import type { ImportOpened, ImportProgress, ImportSummary } from '../../src/lib/types';

vi.mock('../../src/lib/api');

const opened: ImportOpened = {
  status: 'preview',
  token: 'tok-1',
  fileName: 'bw.json',
  format: 'Bitwarden JSON',
  total: 3,
  new: 1,
  duplicates: 1,
  ignored: 4,
  problems: [{ index: 3, item: 'broken.example', reason: 'the private key does not parse' }],
  items: [
    { index: 1, rpId: 'new.example', userName: 'ann', userDisplayName: null, algorithm: 'ES256', createdAt: 1_700_000_000, duplicate: false },
    { index: 2, rpId: 'old.example', userName: 'bob', userDisplayName: null, algorithm: 'EdDSA', createdAt: 1_700_000_000, duplicate: true },
  ],
};

function chooseFile(name: string, body: string) {
  const input = screen.getByTestId('import-file') as HTMLInputElement;
  const file = new File([body], name);
  Object.defineProperty(input, 'files', { value: [file], configurable: true });
  return fireEvent.change(input);
}

beforeEach(() => {
  vi.resetAllMocks();
  installEventBus();
  mockedApi.listPasskeys.mockResolvedValue([passkey({ rpId: 'a.example' }), passkey({ rpId: 'b.example' }), passkey({ rpId: 'b.example' })]);
  mockedApi.defaultFolder.mockResolvedValue('/home/ann/Downloads');
  mockedApi.onFileDrop.mockResolvedValue(() => {});
  mockedApi.importDiscard.mockResolvedValue();
});

describe('import', () => {
  it('asks for the passphrase, previews, refuses problems until skipped, imports with progress and sums up', async () => {
    mockedApi.importOpenBytes.mockResolvedValueOnce({ status: 'passphrase-needed', fileName: 'bw.json' }).mockResolvedValueOnce(opened);
    const commit = deferred<ImportSummary>();
    let report: (p: ImportProgress) => void = () => {};
    mockedApi.importCommit.mockImplementation((_t, _s, onProgress) => {
      report = onProgress;
      return commit.promise;
    });
    render(ImportExportView);
    await chooseFile('bw.json', '{"encrypted":true}');
    const pass = (await screen.findByTestId('import-passphrase')) as HTMLInputElement;
    const [, bytes, format, noPass] = mockedApi.importOpenBytes.mock.calls[0];
    expect(new TextDecoder().decode(bytes)).toBe('{"encrypted":true}');
    expect(format).toBe('auto');
    expect(noPass).toBeNull();

    await fireEvent.input(pass, { target: { value: 'hunter2' } });
    await fireEvent.click(screen.getByTestId('import-unlock'));
    const preview = await screen.findByTestId('import-preview');
    expect(mockedApi.importOpenBytes.mock.calls[1][3]).toBe('hunter2');
    expect(text(preview)).toContain('Bitwarden JSON');
    expect(text(preview)).toContain('3 passkeys');
    expect(text(preview)).toContain('1 already here');
    expect(text(preview)).toContain('4 other items ignored');
    expect(text(screen.getByTestId('import-problems'))).toContain('Item 3 (broken.example): the private key does not parse');
    // The table lists the 2 passkeys without problems, all of them.
    expect(screen.queryByTestId('import-items-more')).toBeNull();
    const rows = screen.getAllByTestId('import-item');
    expect(rows.map((r) => r.dataset.duplicate)).toEqual(['false', 'true']);
    expect(text(rows[1])).toContain('Already here');

    const button = screen.getByTestId('import-commit') as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    await fireEvent.click(screen.getByTestId('import-skip-bad'));
    expect(button.disabled).toBe(false);
    expect(text(button)).toBe('Import 1 passkey');
    await fireEvent.click(button);
    expect(mockedApi.importCommit).toHaveBeenCalledWith('tok-1', true, expect.any(Function));
    report({ stage: 'adding', done: 1, total: 2 });
    await vi.waitFor(() => expect(text(screen.getByTestId('import-progress'))).toContain('Adding 1 of 2 passkeys'));
    expect((screen.getByTestId('import-progress').querySelector('progress') as HTMLProgressElement).value).toBe(0.5);

    commit.resolve({ fileName: 'bw.json', added: 1, duplicates: 1, skipped: opened.status === 'preview' ? opened.problems : [] });
    const summary = await screen.findByTestId('import-summary');
    expect(text(summary)).toContain('Added 1 passkey from bw.json. 1 was already here, not added again. 1 skipped:');
    expect(text(summary)).toContain('Item 3 (broken.example)');
  });

  it('shows a bad file error in words and a wrong passphrase next to the field', async () => {
    mockedApi.importOpenBytes.mockRejectedValueOnce('export.json is not a Bitwarden export: item 2 has no login');
    render(ImportExportView);
    await chooseFile('export.json', '{}');
    expect(text(await screen.findByTestId('import-error'))).toContain('item 2 has no login');

    mockedApi.importOpenBytes.mockResolvedValueOnce({ status: 'passphrase-needed', fileName: 'x.cxf.age' }).mockRejectedValueOnce('wrong passphrase for x.cxf.age');
    await chooseFile('x.cxf.age', 'age');
    const pass = await screen.findByTestId('import-passphrase');
    await fireEvent.input(pass, { target: { value: 'nope' } });
    await fireEvent.click(screen.getByTestId('import-unlock'));
    expect(text(await screen.findByTestId('import-error'))).toContain('wrong passphrase');
    expect(screen.getByTestId('import-passphrase')).toBeTruthy();
  });

  it('reads again with the chosen format', async () => {
    mockedApi.importOpenBytes.mockResolvedValue(opened);
    render(ImportExportView);
    await chooseFile('bw.json', '{}');
    await screen.findByTestId('import-preview');
    const select = screen.getByTestId('import-format') as HTMLSelectElement;
    select.value = 'keepassxc';
    await fireEvent.change(select);
    await vi.waitFor(() => expect(mockedApi.importOpenBytes).toHaveBeenCalledTimes(2));
    expect(mockedApi.importOpenBytes.mock.calls[1][2]).toBe('keepassxc');
    expect(mockedApi.importDiscard).toHaveBeenCalledWith('tok-1');
  });

  it('opens a natively dropped file by its path', async () => {
    let drop: (paths: string[]) => void = () => {};
    mockedApi.onFileDrop.mockImplementation(async (h) => {
      drop = h.drop;
      return () => {};
    });
    mockedApi.importOpenPath.mockResolvedValue(opened);
    render(ImportExportView);
    await vi.waitFor(() => expect(mockedApi.onFileDrop).toHaveBeenCalled());
    drop(['/home/ann/bw.json']);
    await screen.findByTestId('import-preview');
    expect(mockedApi.importOpenPath.mock.calls[0].slice(0, 3)).toEqual(['/home/ann/bw.json', 'auto', null]);
    expect(text(screen.getByTestId('import-file-name'))).toBe('bw.json');
  });
});

describe('export', () => {
  it('needs the passphrase twice, then exports the chosen sites to the default path', async () => {
    mockedApi.exportPasskeys.mockResolvedValue({ count: 2, path: '/home/ann/Downloads/x.cxf.age' });
    render(ImportExportView);
    const path = (await screen.findByTestId('export-path')) as HTMLInputElement;
    await vi.waitFor(() => expect(path.value).toMatch(/^\/home\/ann\/Downloads\/latchkey-export-\d{4}-\d\d-\d\d\.cxf\.age$/));
    await vi.waitFor(() => expect(text(screen.getByTestId('export-button'))).toBe('Export 3 passkeys'));
    await fireEvent.click(screen.getByTestId('export-chosen'));
    const boxes = await screen.findAllByTestId('export-site');
    await fireEvent.click(boxes.find((b) => b.dataset.site === 'b.example')!);
    expect(text(screen.getByTestId('export-button'))).toBe('Export 2 passkeys');

    const button = screen.getByTestId('export-button') as HTMLButtonElement;
    await fireEvent.input(screen.getByTestId('export-passphrase'), { target: { value: 'correct horse battery staple' } });
    expect(button.disabled).toBe(true);
    expect(text(screen.getByTestId('export-strength'))).toContain('Strong');
    await fireEvent.input(screen.getByTestId('export-passphrase-repeat'), { target: { value: 'correct horse battery staple' } });
    expect(button.disabled).toBe(false);
    await fireEvent.click(button);
    expect(mockedApi.exportPasskeys).toHaveBeenCalledWith(path.value, ['b.example'], 'correct horse battery staple', false);
    expect(text(await screen.findByTestId('export-done'))).toContain('Exported 2 passkeys to /home/ann/Downloads/x.cxf.age');
  });

  it('exports without encryption only after the stern confirmation', async () => {
    mockedApi.exportPasskeys.mockResolvedValue({ count: 3, path: '/p.json' });
    render(ImportExportView);
    const path = (await screen.findByTestId('export-path')) as HTMLInputElement;
    await vi.waitFor(() => expect(path.value).toContain('Downloads'));
    await fireEvent.click(screen.getByTestId('export-encrypted'));
    expect(document.body.textContent).toContain('private key in clear text');
    await fireEvent.click(screen.getByText('Cancel'));
    expect((screen.getByTestId('export-encrypted') as HTMLInputElement).checked).toBe(true);
    expect(screen.queryByTestId('export-plain-warning')).toBeNull();

    await fireEvent.click(screen.getByTestId('export-encrypted'));
    await fireEvent.click(screen.getByTestId('export-plain-confirm'));
    expect(screen.getByTestId('export-plain-warning')).toBeTruthy();
    expect(path.value).toMatch(/\.json$/);
    await fireEvent.click(screen.getByTestId('export-button'));
    expect(mockedApi.exportPasskeys).toHaveBeenCalledWith(path.value, [], null, false);
  });

  it('replaces an existing file only when ticked', async () => {
    mockedApi.exportPasskeys.mockRejectedValueOnce('/home/ann/Downloads/x.cxf.age already exists; choose another name or replace it').mockResolvedValueOnce({ count: 3, path: '/x' });
    render(ImportExportView);
    await screen.findByTestId('export-path');
    await vi.waitFor(() => expect(text(screen.getByTestId('export-button'))).toBe('Export 3 passkeys'));
    await fireEvent.input(screen.getByTestId('export-passphrase'), { target: { value: 'pw' } });
    await fireEvent.input(screen.getByTestId('export-passphrase-repeat'), { target: { value: 'pw' } });
    await fireEvent.click(screen.getByTestId('export-button'));
    expect(text(await screen.findByTestId('export-error'))).toContain('already exists');
    await fireEvent.click(screen.getByTestId('export-replace'));
    await fireEvent.click(screen.getByTestId('export-button'));
    await screen.findByTestId('export-done');
    expect(mockedApi.exportPasskeys.mock.calls.map((c) => c[3])).toEqual([false, true]);
  });

  it('shows an export error in words', async () => {
    mockedApi.exportPasskeys.mockRejectedValue('the folder /nope does not exist; choose another folder or create it first');
    render(ImportExportView);
    await screen.findByTestId('export-path');
    await vi.waitFor(() => expect(text(screen.getByTestId('export-button'))).toBe('Export 3 passkeys'));
    await fireEvent.input(screen.getByTestId('export-passphrase'), { target: { value: 'pw' } });
    await fireEvent.input(screen.getByTestId('export-passphrase-repeat'), { target: { value: 'pw' } });
    await fireEvent.click(screen.getByTestId('export-button'));
    expect(text(await screen.findByTestId('export-error'))).toContain('does not exist');
  });
});
