"""The receiver of vendor callbacks: above the job service, whose jobs a callback wakes."""
