"""Tests of the local development stack (devstack/)."""
