"""``python -m backend``: serve the API and the page at http://$HOST:$PORT/ (default 127.0.0.1:8000)."""

import uvicorn

from backend.config import Settings
from backend.main import create_app


def main() -> None:
    settings = Settings()
    host, port = settings.host, settings.port
    print(f"Chat Booking: http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", flush=True)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level)


if __name__ == "__main__":
    main()
