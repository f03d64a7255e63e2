import './app.css';
import { mount } from 'svelte';
import PromptApp from './components/PromptApp.svelte';
import { startDocumentTheme } from './lib/theme';

const theme = startDocumentTheme('system');

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');

export default mount(PromptApp, { target, props: { theme } });
