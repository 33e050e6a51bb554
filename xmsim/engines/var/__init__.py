"""The FICC-like VaR engine (book -> VaR), pure."""
