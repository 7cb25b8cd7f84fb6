// A fake fal.ai queue server for tests.
