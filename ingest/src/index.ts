// Filled by its issue; the package exists so the workspace has its final shape.
export {};
