"""Translation: offline language detection, translators behind one port, the use cases."""
