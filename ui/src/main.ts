import './app.css';
import { mount } from 'svelte';
import App from './components/App.svelte';
import { startDocumentTheme } from './lib/theme';

// Follow the OS theme until the saved setting arrives.
const theme = startDocumentTheme('system');

const target = document.getElementById('app');
if (!target) throw new Error('missing #app');

export default mount(App, { target, props: { theme } });
