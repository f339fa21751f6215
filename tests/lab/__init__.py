"""The network-namespace lab: see ``tests.lab.netns`` for the API."""
