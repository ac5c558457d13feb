"""Views: the card, the neighborhood subgraph, the offline pyvis page, statistics plots."""
