import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Styles go to the bundle's CSS file, never injected with <style> at run time.
    css: 'external',
  },
};
