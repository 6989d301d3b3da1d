"""Clustered batch scans (`mijian scan --cluster`): files go to Dask workers in batches, results come back
to the client, which records them and prints them in the walk's order.

settings.py reads `--cluster` and the config's [cluster] section; worker.py is what runs on a worker;
client.py connects, feeds batches and collects. Dask is imported only by these modules, and only when a
scan asks for a cluster (`pip install 'mijian[cluster]'`).
"""
