// LTXAudioApp
