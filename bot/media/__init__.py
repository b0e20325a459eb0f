"""Media handling below the Discord side: fetching vendor files safely, checking
what they are, and fitting MP3s under the upload limit."""
