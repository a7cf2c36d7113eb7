// The widget's voice part, bundled on its own (esbuild, see scripts/build-ui.mjs) and loaded by
// widget.js only when a customer presses Call: the chat widget stays small for everyone else.
import { VoiceClient, trackPlayers } from './voice-client';

declare global {
  interface Window {
    ccVoice?: { VoiceClient: typeof VoiceClient; trackPlayers: typeof trackPlayers };
  }
}

window.ccVoice = { VoiceClient, trackPlayers };
